//! A take as a Standard MIDI File: a tempo track, the melody, and the chords with their names
//! as marker events (DAWs show them on the timeline). `cargo xtask jam` and the plugin's
//! capture write the same layout; the file's bytes are built here, the callers write them.

use crate::spans::chord_spans;
use crate::spelling::Spelling;
use crate::{FRAMES_PER_BEAT, Meter, Token, TokenKind, Voicing};
use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};

pub const TICKS_PER_BEAT: u16 = 480;
pub const MELODY_CHANNEL: u8 = 0;
pub const CHORD_CHANNEL: u8 = 1;
/// The marker of a stretch without a chord.
pub const NO_CHORD: &str = "N.C.";

/// A note starting or ending, in beats from the take's start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TakeEvent {
    pub beats: f64,
    pub channel: u8,
    pub key: u8,
    pub on: bool,
    pub velocity: f32,
}

/// What a take holds: the melody, the chord notes, and a name at every chord change.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Take {
    pub tempo: f64,
    /// The meter from each beat on (a change falls on a bar line); the first is at 0.
    pub meters: Vec<(f64, Meter)>,
    pub melody: Vec<TakeEvent>,
    pub chords: Vec<TakeEvent>,
    pub markers: Vec<(f64, String)>,
    /// General MIDI programs (melody, chords) set at the start; none leaves the instruments to
    /// the player (a DAW track has its own).
    pub programs: Option<(u8, u8)>,
}

impl Take {
    /// A take from frame tracks (16th notes, as the plugin hears and plays them): melody ONs
    /// start notes and HOLDs lengthen them; each chord event sounds `voicing` for its frames.
    pub fn from_frames(melody: &[Token], chords: &[Token], tempo: f64, voicing: Voicing, velocity: f32) -> Take {
        let beats = |frame: usize| frame as f64 / FRAMES_PER_BEAT as f64;
        let mut take = Take { tempo, meters: vec![(0.0, Meter::COMMON)], ..Take::default() };
        let mut sounding: Option<u8> = None;
        for (f, token) in melody.iter().chain([&Token::SILENCE]).enumerate() {
            let held = match token.kind() {
                TokenKind::NoteHold(p) if sounding == Some(p) => continue,
                TokenKind::NoteOn(p) | TokenKind::NoteHold(p) => Some(p),
                _ => None,
            };
            if let Some(key) = sounding.take() {
                take.melody.push(TakeEvent { beats: beats(f), channel: MELODY_CHANNEL, key, on: false, velocity: 0.0 });
            }
            if let Some(key) = held {
                take.melody.push(TakeEvent { beats: beats(f), channel: MELODY_CHANNEL, key, on: true, velocity });
                sounding = Some(key);
            }
        }
        for span in chord_spans(chords) {
            let (start, end) = (beats(span.start), beats(span.start + span.frames));
            for &key in voicing.voice(span.chord.chord()).keys() {
                take.chords.push(TakeEvent { beats: start, channel: CHORD_CHANNEL, key, on: true, velocity });
                take.chords.push(TakeEvent { beats: end, channel: CHORD_CHANNEL, key, on: false, velocity: 0.0 });
            }
        }
        take.markers = Take::chord_markers(melody, chords);
        take
    }

    /// A name at every chord change of frame tracks (and [`NO_CHORD`] where a chord stops
    /// before the next), in beats, spelled in the melody's key.
    pub fn chord_markers(melody: &[Token], chords: &[Token]) -> Vec<(f64, String)> {
        let beats = |frame: usize| frame as f64 / FRAMES_PER_BEAT as f64;
        let spelling = Spelling::of_melody(melody);
        let mut markers = Vec::new();
        let mut end_of_last = None;
        for span in chord_spans(chords) {
            if let Some(end) = end_of_last.filter(|&end| end < span.start) {
                markers.push((beats(end), NO_CHORD.to_string()));
            }
            markers.push((beats(span.start), spelling.chord(span.chord.chord())));
            end_of_last = Some(span.start + span.frames);
        }
        markers
    }

    /// The Standard MIDI File (format 1: tempo, melody and chord tracks).
    pub fn to_midi_bytes(&self) -> std::io::Result<Vec<u8>> {
        let tick = |beats: f64| (beats * f64::from(TICKS_PER_BEAT)).round().max(0.0) as u64;
        let note = |e: &TakeEvent| {
            let (key, velocity) = (u7::new(e.key.min(127)), ((e.velocity * 127.0).round() as u8).clamp(1, 127));
            let message = if e.on {
                MidiMessage::NoteOn { key, vel: u7::new(velocity) }
            } else {
                MidiMessage::NoteOff { key, vel: u7::new(0) }
            };
            (tick(e.beats), TrackEventKind::Midi { channel: u4::new(e.channel.min(15)), message })
        };
        let micros = (60_000_000.0 / self.tempo.max(1.0)).round() as u32;
        let mut tempo_track: Vec<At> = vec![
            (0, TrackEventKind::Meta(MetaMessage::TrackName(b"Comper take"))),
            (0, TrackEventKind::Meta(MetaMessage::Tempo(u24::new(micros)))),
        ];
        tempo_track.extend(self.meters.iter().map(|&(beats, meter)| {
            let power = meter.denominator.max(1).ilog2() as u8;
            (tick(beats), TrackEventKind::Meta(MetaMessage::TimeSignature(meter.numerator, power, 24, 8)))
        }));
        let program = |channel: u8, program: u8| {
            let message = MidiMessage::ProgramChange { program: u7::new(program.min(127)) };
            (0, TrackEventKind::Midi { channel: u4::new(channel), message })
        };
        let mut melody_track: Vec<At> = vec![(0, TrackEventKind::Meta(MetaMessage::TrackName(b"Melody")))];
        let mut chord_track: Vec<At> = vec![(0, TrackEventKind::Meta(MetaMessage::TrackName(b"Chords")))];
        if let Some((melody, chords)) = self.programs {
            melody_track.push(program(MELODY_CHANNEL, melody));
            chord_track.push(program(CHORD_CHANNEL, chords));
        }
        melody_track.extend(self.melody.iter().map(note));
        chord_track.extend(
            self.markers
                .iter()
                .map(|(beats, name)| (tick(*beats), TrackEventKind::Meta(MetaMessage::Marker(name.as_bytes())))),
        );
        chord_track.extend(self.chords.iter().map(note));
        let mut smf = Smf::new(Header::new(Format::Parallel, Timing::Metrical(u15::new(TICKS_PER_BEAT))));
        smf.tracks = [tempo_track, melody_track, chord_track].into_iter().map(with_deltas).collect();
        let mut bytes = Vec::new();
        smf.write_std(&mut bytes)?;
        Ok(bytes)
    }
}

/// An event at an absolute tick, before deltas are taken.
type At<'a> = (u64, TrackEventKind<'a>);

/// Sort by time (stable, and offs before ons at the same tick, so a restruck key sounds
/// again) and take deltas.
fn with_deltas(mut events: Vec<At>) -> Vec<TrackEvent> {
    let is_on =
        |kind: &TrackEventKind| matches!(kind, TrackEventKind::Midi { message: MidiMessage::NoteOn { .. }, .. });
    events.sort_by_key(|(t, kind)| (*t, is_on(kind)));
    let mut last = 0;
    let mut track: Vec<TrackEvent> = events
        .into_iter()
        .map(|(t, kind)| {
            let delta = u28::new((t - last) as u32);
            last = t;
            TrackEvent { delta, kind }
        })
        .collect();
    track.push(TrackEvent { delta: u28::new(0), kind: TrackEventKind::Meta(MetaMessage::EndOfTrack) });
    track
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chord, ChordId, PitchClass, Quality};

    fn chord(root: i32, quality: Quality) -> ChordId {
        ChordId::of(Chord::new(PitchClass::new(root), quality))
    }

    #[test]
    fn frames_become_notes_markers_and_a_readable_file() {
        let (c, am) = (chord(0, Quality::Major), chord(9, Quality::Minor));
        let melody = [Token::note_on(64), Token::note_hold(64), Token::note_on(64), Token::SILENCE];
        let chords = [Token::chord_on(c), Token::chord_hold(c), Token::SILENCE, Token::chord_on(am)];
        let voicing = Voicing { octave: 4, bass: false, spread: false };
        let take = Take::from_frames(&melody, &chords, 90.0, voicing, 0.5);
        let beats: Vec<(f64, bool)> = take.melody.iter().map(|e| (e.beats, e.on)).collect();
        assert_eq!(beats, [(0.0, true), (0.5, false), (0.5, true), (0.75, false)]);
        let names: Vec<(f64, &str)> = take.markers.iter().map(|(b, n)| (*b, n.as_str())).collect();
        assert_eq!(names, [(0.0, "C"), (0.5, NO_CHORD), (0.75, "Am")]);
        assert_eq!(take.chords.iter().filter(|e| e.on).count(), 6);

        let bytes = take.to_midi_bytes().unwrap();
        let smf = Smf::parse(&bytes).unwrap();
        assert_eq!(smf.tracks.len(), 3);
        let markers: Vec<&[u8]> = smf.tracks[2]
            .iter()
            .filter_map(|e| match e.kind {
                TrackEventKind::Meta(MetaMessage::Marker(m)) => Some(m),
                _ => None,
            })
            .collect();
        assert_eq!(markers, [b"C".as_slice(), b"N.C.", b"Am"]);
    }
}
