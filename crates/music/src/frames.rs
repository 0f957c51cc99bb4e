//! Lead sheet ↔ frame tracks, and the interleaved stream the models read.
//!
//! Time is cut into 16th-note frames ([`FRAMES_PER_BEAT`] per beat). Each frame holds one
//! melody token and one chord token: `ON(x)` on the frame an event starts, `HOLD(x)` on the
//! frames it continues, `SILENCE` elsewhere.
//!
//! Quantization rule: onsets and offsets go to the nearest frame (halves round up); an
//! event keeps at least one frame. Overlap rule (melody and chords alike): an event ends
//! no later than the next event's onset, and of several events starting on the same frame
//! the last in sort order wins (for melody notes sorted by pitch: the highest, the usual
//! melody voice). Together these make every track monophonic and every HOLD follow its ON.

use crate::lead_sheet::{ChordEvent, Note};
use crate::token::{Token, TokenKind};
use crate::vocab::ChordId;
use serde::{Deserialize, Serialize};

/// 16th-note frames per quarter-note beat.
pub const FRAMES_PER_BEAT: usize = 4;
/// The longest song Comper reads, in beats (18 hours at 60 BPM; the longest in POP909 and
/// Nottingham is under 1,000). Importers and readers refuse a longer one with a reason, and
/// [`FrameTracks::encode`] cuts there, so a file claiming a length of years never becomes an
/// allocation of that size.
pub const LONGEST_SONG_BEATS: f64 = 65_536.0;

/// The part a model plays. Its own token comes first in each frame of its stream: it decides
/// before it hears its partner's token of that frame, as a live player does.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Part {
    /// The accompanist (the chord policy the plugin runs).
    #[default]
    Chords,
    /// The melody agent (the co-adaptation partner of the evaluation).
    Melody,
}

impl Part {
    /// The part this one plays with.
    pub fn partner(self) -> Part {
        match self {
            Part::Chords => Part::Melody,
            Part::Melody => Part::Chords,
        }
    }

    /// Whether `token` may stand in a frame of this part's track (its own tokens and SILENCE).
    pub fn holds(self, token: Token) -> bool {
        match self {
            Part::Chords => token.is_chord_frame(),
            Part::Melody => token.is_melody_frame(),
        }
    }
}

/// The frame nearest to a time in beats (never negative).
pub fn beat_to_frame(beat: f64) -> usize {
    (beat * FRAMES_PER_BEAT as f64).round().max(0.0) as usize
}

/// The start time in beats of a frame.
pub fn frame_to_beat(frame: usize) -> f64 {
    frame as f64 / FRAMES_PER_BEAT as f64
}

/// A melody track and a chord track of equal length, one token per frame.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameTracks {
    pub melody: Vec<Token>,
    pub chords: Vec<Token>,
}

/// Why a frame track could not be read back as events.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("frame {frame}: HOLD without a matching ON before it")]
    HoldWithoutOnset { frame: usize },
    #[error("frame {frame}: token {} does not belong in this track", token.describe())]
    WrongToken { frame: usize, token: Token },
}

/// `track` moved by `semitones` from frame `from` on. A HOLD at `from` becomes an ON (its
/// note or chord changed); a note that would leave the MIDI range moves an octave less.
pub fn transpose_from(track: &[Token], from: usize, semitones: i32) -> Vec<Token> {
    let shift = |t: Token| t.transposed(semitones).or_else(|| t.transposed(semitones - 12 * semitones.signum()));
    track
        .iter()
        .enumerate()
        .map(|(f, &t)| match f {
            f if f < from => t,
            f if f == from => shift(t).unwrap_or(t).as_onset(),
            _ => shift(t).unwrap_or(t),
        })
        .collect()
}

/// A quantized span `[start, end)` in frames with its token pair.
struct Span {
    start: usize,
    end: usize,
    on: Token,
    hold: Token,
}

/// Write spans (sorted by start, ties in priority order) into a track of `len` frames,
/// applying the overlap rule from the module docs.
fn write_spans(mut spans: Vec<Span>, len: usize) -> Vec<Token> {
    let mut track = vec![Token::SILENCE; len];
    // Of spans sharing a start frame only the last survives.
    spans.dedup_by(|next, prev| {
        if next.start == prev.start {
            std::mem::swap(next, prev);
            true
        } else {
            false
        }
    });
    for i in 0..spans.len() {
        let limit = spans.get(i + 1).map_or(len, |next| next.start);
        let span = &spans[i];
        let end = span.end.min(limit).min(len);
        if span.start >= end {
            continue;
        }
        track[span.start] = span.on;
        for slot in &mut track[span.start + 1..end] {
            *slot = span.hold;
        }
    }
    track
}

fn quantize(onset: f64, offset: f64) -> (usize, usize) {
    let start = beat_to_frame(onset);
    (start, beat_to_frame(offset).max(start + 1))
}

impl FrameTracks {
    /// Tokenize a melody and chord track. The length covers the last event, up to
    /// [`LONGEST_SONG_BEATS`].
    pub fn encode(melody: &[Note], chords: &[ChordEvent]) -> Self {
        let mut note_spans: Vec<Span> = melody
            .iter()
            .map(|n| {
                let (start, end) = quantize(n.onset, n.offset);
                Span { start, end, on: Token::note_on(n.pitch), hold: Token::note_hold(n.pitch) }
            })
            .collect();
        note_spans.sort_by_key(|s| (s.start, s.on));
        let mut chord_spans: Vec<Span> = chords
            .iter()
            .map(|c| {
                let (start, end) = quantize(c.onset, c.offset);
                let id = ChordId::of(c.chord);
                Span { start, end, on: Token::chord_on(id), hold: Token::chord_hold(id) }
            })
            .collect();
        chord_spans.sort_by_key(|s| s.start);
        let longest = LONGEST_SONG_BEATS as usize * FRAMES_PER_BEAT;
        let len = note_spans.iter().chain(&chord_spans).map(|s| s.end).max().unwrap_or(0).min(longest);
        FrameTracks { melody: write_spans(note_spans, len), chords: write_spans(chord_spans, len) }
    }

    /// The tracks of a take where `part` played `own` against `partner`.
    pub fn of(part: Part, own: Vec<Token>, partner: Vec<Token>) -> FrameTracks {
        match part {
            Part::Chords => FrameTracks { melody: partner, chords: own },
            Part::Melody => FrameTracks { melody: own, chords: partner },
        }
    }

    /// The track `part` plays.
    pub fn track(&self, part: Part) -> &[Token] {
        match part {
            Part::Chords => &self.chords,
            Part::Melody => &self.melody,
        }
    }

    pub fn len(&self) -> usize {
        self.melody.len()
    }

    pub fn is_empty(&self) -> bool {
        self.melody.is_empty()
    }

    /// The frames `[start, start + len)` (shorter at the end of the song). A HOLD on the
    /// first frame becomes its ON, so every window decodes on its own.
    pub fn window(&self, start: usize, len: usize) -> FrameTracks {
        let end = (start + len).min(self.len());
        let start = start.min(end);
        let mut melody = self.melody[start..end].to_vec();
        let mut chords = self.chords[start..end].to_vec();
        if let (Some(m), Some(c)) = (melody.first_mut(), chords.first_mut()) {
            *m = m.as_onset();
            *c = c.as_onset();
        }
        FrameTracks { melody, chords }
    }

    /// Window starts on beat boundaries such that a window of `len` frames fits (one start,
    /// 0, when the song is shorter than `len`).
    pub fn beat_aligned_starts(&self, len: usize) -> impl Iterator<Item = usize> {
        let last = self.len().saturating_sub(len);
        (0..=last).step_by(FRAMES_PER_BEAT)
    }

    /// Both tracks moved by `semitones`; `None` if a melody note would leave 0..=127.
    pub fn transposed(&self, semitones: i32) -> Option<FrameTracks> {
        let shift = |track: &[Token]| track.iter().map(|t| t.transposed(semitones)).collect::<Option<Vec<_>>>();
        Some(FrameTracks { melody: shift(&self.melody)?, chords: shift(&self.chords)? })
    }

    /// Both tracks moved by `semitones` from frame `from` on: the song changes key there.
    pub fn modulated(&self, from: usize, semitones: i32) -> FrameTracks {
        FrameTracks {
            melody: transpose_from(&self.melody, from, semitones),
            chords: transpose_from(&self.chords, from, semitones),
        }
    }

    /// The online stream of a model that plays `part`, its own token first in every frame:
    /// the chord policy's `BOS y1 x1 y2 x2 … yT xT EOS`, the melody agent's `BOS x1 y1 … EOS`.
    pub fn interleave(&self, part: Part) -> Vec<Token> {
        let mut stream = Vec::with_capacity(2 * self.len() + 2);
        stream.push(Token::BOS);
        for (&own, &partner) in self.track(part).iter().zip(self.track(part.partner())) {
            stream.push(own);
            stream.push(partner);
        }
        stream.push(Token::EOS);
        stream
    }

    /// Read the melody track back as notes.
    pub fn decode_melody(&self) -> Result<Vec<Note>, DecodeError> {
        decode(&self.melody, |kind| match kind {
            TokenKind::NoteOn(p) => Some((true, u16::from(p))),
            TokenKind::NoteHold(p) => Some((false, u16::from(p))),
            _ => None,
        })
        .map(|spans| {
            spans
                .into_iter()
                .map(|(start, end, pitch)| Note {
                    onset: frame_to_beat(start),
                    offset: frame_to_beat(end),
                    pitch: pitch as u8,
                })
                .collect()
        })
    }

    /// Read the chord track back as chord events (no bass: tokens carry none).
    pub fn decode_chords(&self) -> Result<Vec<ChordEvent>, DecodeError> {
        decode(&self.chords, |kind| match kind {
            TokenKind::ChordOn(c) => Some((true, c.index() as u16)),
            TokenKind::ChordHold(c) => Some((false, c.index() as u16)),
            _ => None,
        })
        .map(|spans| {
            spans
                .into_iter()
                .map(|(start, end, id)| ChordEvent {
                    onset: frame_to_beat(start),
                    offset: frame_to_beat(end),
                    chord: ChordId::from_index(usize::from(id)).expect("decoded from a token").chord(),
                    bass: None,
                })
                .collect()
        })
    }
}

/// Turn ON/HOLD runs into `(start, end, value)` spans. `classify` maps a token kind to
/// `(is_onset, value)` or `None` for a token foreign to the track.
fn decode(
    track: &[Token],
    classify: impl Fn(TokenKind) -> Option<(bool, u16)>,
) -> Result<Vec<(usize, usize, u16)>, DecodeError> {
    let mut spans: Vec<(usize, usize, u16)> = Vec::new();
    let mut open: Option<(usize, u16)> = None;
    for (frame, &token) in track.iter().enumerate() {
        if token == Token::SILENCE {
            if let Some((start, value)) = open.take() {
                spans.push((start, frame, value));
            }
            continue;
        }
        match classify(token.kind()) {
            Some((true, value)) => {
                if let Some((start, previous)) = open.replace((frame, value)) {
                    spans.push((start, frame, previous));
                }
            }
            Some((false, value)) if open.is_some_and(|(_, v)| v == value) => {}
            Some((false, _)) => return Err(DecodeError::HoldWithoutOnset { frame }),
            None => return Err(DecodeError::WrongToken { frame, token }),
        }
    }
    if let Some((start, value)) = open {
        spans.push((start, track.len(), value));
    }
    Ok(spans)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chord::{Chord, Quality};
    use crate::pitch::PitchClass;

    fn note(onset: f64, offset: f64, pitch: u8) -> Note {
        Note { onset, offset, pitch }
    }

    fn chord(onset: f64, offset: f64, root: i32, quality: Quality) -> ChordEvent {
        ChordEvent { onset, offset, chord: Chord::new(PitchClass::new(root), quality), bass: None }
    }

    /// The paper's example (ReaLchords appendix L): C4, G4, A4, F4 one beat each over
    /// C, G, Am, F.
    #[test]
    fn encodes_the_papers_example_and_round_trips() {
        let melody = vec![note(0.0, 1.0, 60), note(1.0, 2.0, 67), note(2.0, 3.0, 69), note(3.0, 4.0, 65)];
        let chords = vec![
            chord(0.0, 1.0, 0, Quality::Major),
            chord(1.0, 2.0, 7, Quality::Major),
            chord(2.0, 3.0, 9, Quality::Minor),
            chord(3.0, 4.0, 5, Quality::Major),
        ];
        let tracks = FrameTracks::encode(&melody, &chords);
        assert_eq!(tracks.len(), 16);
        let names: Vec<_> = tracks.melody[..5].iter().map(|t| t.describe()).collect();
        assert_eq!(names, ["ON(60)", "HOLD(60)", "HOLD(60)", "HOLD(60)", "ON(67)"]);
        assert_eq!(tracks.chords[8].describe(), "ON(Am)");
        assert_eq!(tracks.decode_melody().unwrap(), melody);
        assert_eq!(tracks.decode_chords().unwrap(), chords);
    }

    #[test]
    fn quantizes_to_the_nearest_frame_and_keeps_one_frame() {
        let tracks = FrameTracks::encode(&[note(0.13, 0.14, 60), note(0.49, 1.1, 62)], &[]);
        let notes = tracks.decode_melody().unwrap();
        assert_eq!(notes, [note(0.25, 0.5, 60), note(0.5, 1.0, 62)]);
    }

    #[test]
    fn overlapping_notes_are_truncated_and_the_highest_simultaneous_note_wins() {
        let tracks = FrameTracks::encode(&[note(0.0, 2.0, 60), note(1.0, 1.5, 64), note(1.0, 1.5, 67)], &[]);
        let notes = tracks.decode_melody().unwrap();
        assert_eq!(notes, [note(0.0, 1.0, 60), note(1.0, 1.5, 67)]);
        assert_eq!(tracks.melody[6], Token::SILENCE);
    }

    #[test]
    fn a_take_keeps_each_part_on_its_track() {
        let (note, chord) = (vec![Token::note_on(60)], vec![Token::SILENCE]);
        for part in [Part::Chords, Part::Melody] {
            let take = FrameTracks::of(part, note.clone(), chord.clone());
            assert_eq!(take.track(part), note);
            assert_eq!(take.track(part.partner()), chord);
        }
        assert!(Part::Melody.holds(Token::note_hold(60)) && !Part::Melody.holds(Token::BOS));
        assert!(!Part::Chords.holds(Token::note_on(60)));
    }

    #[test]
    fn interleaves_the_played_part_first() {
        let tracks = FrameTracks::encode(&[note(0.0, 0.5, 60)], &[chord(0.0, 0.25, 0, Quality::Major)]);
        let stream = |part| tracks.interleave(part).iter().map(|t| t.describe()).collect::<Vec<_>>();
        assert_eq!(stream(Part::Chords), ["BOS", "ON(C)", "ON(60)", "SILENCE", "HOLD(60)", "EOS"]);
        assert_eq!(stream(Part::Melody), ["BOS", "ON(60)", "ON(C)", "HOLD(60)", "SILENCE", "EOS"]);
    }

    #[test]
    fn windows_start_with_onsets_and_on_beats() {
        let tracks = FrameTracks::encode(&[note(0.0, 4.0, 60)], &[chord(0.0, 4.0, 2, Quality::Minor7)]);
        let window = tracks.window(6, 8);
        assert_eq!(window.melody[0], Token::note_on(60));
        assert_eq!(window.chords[0].describe(), "ON(Dm7)");
        assert_eq!(window.len(), 8);
        assert!(window.decode_chords().is_ok());
        assert_eq!(tracks.beat_aligned_starts(8).collect::<Vec<_>>(), [0, 4, 8]);
        assert_eq!(tracks.beat_aligned_starts(64).collect::<Vec<_>>(), [0]);
    }

    #[test]
    fn a_modulation_moves_both_tracks_from_its_frame_and_restrikes_there() {
        let tracks = FrameTracks::encode(&[note(0.0, 4.0, 60)], &[chord(0.0, 4.0, 0, Quality::Major)]);
        let moved = tracks.modulated(8, 2);
        assert_eq!(moved.melody[..8], tracks.melody[..8]);
        assert_eq!(moved.melody[8], Token::note_on(62));
        assert_eq!(moved.melody[9], Token::note_hold(62));
        assert_eq!(moved.chords[8].describe(), "ON(D)");
        assert!(moved.decode_chords().is_ok() && moved.decode_melody().is_ok());
        assert_eq!(transpose_from(&[Token::note_on(125)], 0, 6), vec![Token::note_on(119)], "an octave less");
    }

    #[test]
    fn decoding_rejects_holds_without_onsets_and_foreign_tokens() {
        let c = ChordId::of(Chord::new(PitchClass::C, Quality::Major));
        let g = ChordId::of(Chord::new(PitchClass::new(7), Quality::Major));
        let bad = FrameTracks {
            melody: vec![Token::SILENCE; 3],
            chords: vec![Token::chord_on(c), Token::chord_hold(g), Token::SILENCE],
        };
        assert_eq!(bad.decode_chords(), Err(DecodeError::HoldWithoutOnset { frame: 1 }));
        let foreign = FrameTracks { melody: vec![Token::chord_on(c)], chords: vec![Token::SILENCE] };
        assert!(matches!(foreign.decode_melody(), Err(DecodeError::WrongToken { frame: 0, .. })));
    }

    #[test]
    fn a_song_that_claims_years_is_cut_at_the_longest_song() {
        let tracks =
            FrameTracks::encode(&[note(0.0, 1.0, 60), note(1e15, 2e15, 62)], &[chord(0.0, 1e18, 0, Quality::Major)]);
        assert_eq!(tracks.len(), LONGEST_SONG_BEATS as usize * FRAMES_PER_BEAT);
        assert_eq!(tracks.melody[0], Token::note_on(60));
    }
}
