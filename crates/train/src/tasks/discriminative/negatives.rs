//! The pair discriminator's negatives: a melody over chords that do not belong to it. Four
//! kinds, so the reward pays for each chord fitting its notes at the data's pace and weight,
//! and not for what a policy can exploit instead:
//! - the melody over another song's chords (another key, another form);
//! - the melody over its own chords moved by 1..=6 semitones either way from a random beat on
//!   (the song's own rhythm and form, the wrong harmony from there);
//! - the melody over its own chords with about half their changes dropped, each held on
//!   instead (the song's harmony, too few changes: fewer blind choices fit more notes);
//! - the melody over its own chords, each made a four-note chord that contains it (the song's
//!   harmony, denser chords: more pitch classes cover more of any melody).
//!
//! Each negative and its positive are cut to the same length, so a window's length cannot
//! give the label away.

use comper_data::windows::key_change_semitones;
use comper_music::frames::transpose_from;
use comper_music::spans::chord_spans;
use comper_music::{Chord, ChordId, FRAMES_PER_BEAT, FrameTracks, Quality, Token};
use rand::RngExt;
use rand::rngs::ChaCha8Rng;

/// How a negative was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Negative {
    /// The melody of window i + 1 over the chords of window i, cut to their joint length.
    OtherSong,
    /// Window i's melody over its own chords moved from a random beat on.
    Moved,
    /// Window i's melody over its own chords, each change dropped with probability ½ (at
    /// least one), the chord before it held on.
    Held,
    /// Window i's melody over its own chords, each triad made a four-note chord containing it.
    Thickened,
}

impl Negative {
    /// Every kind; each negative draws one uniformly.
    pub const ALL: [Negative; 4] = [Negative::OtherSong, Negative::Moved, Negative::Held, Negative::Thickened];

    /// The kind's name in the validation metrics (`rejected_<name>`).
    pub fn name(self) -> &'static str {
        match self {
            Negative::OtherSong => "other_song",
            Negative::Moved => "moved",
            Negative::Held => "held",
            Negative::Thickened => "thickened",
        }
    }
}

/// Positives then negatives, labels 1 then 0, and each negative's kind (drawn from `rng`). A
/// window with no change to drop or no chord to thicken gets a moved negative instead, so no
/// negative equals its positive.
pub fn pairs(windows: &[FrameTracks], rng: &mut ChaCha8Rng) -> (Vec<FrameTracks>, Vec<f32>, Vec<Negative>) {
    let n = windows.len();
    let mut examples = Vec::with_capacity(2 * n);
    let mut negatives = Vec::with_capacity(n);
    let mut kinds = Vec::with_capacity(n);
    for (i, window) in windows.iter().enumerate() {
        let own = |chords| FrameTracks { melody: window.melody.clone(), chords };
        let kind = Negative::ALL[rng.random_range(0..Negative::ALL.len())];
        let made = match kind {
            Negative::OtherSong => {
                let other = &windows[(i + 1) % n];
                let len = window.len().min(other.len());
                Some(FrameTracks { melody: other.melody[..len].to_vec(), chords: window.chords[..len].to_vec() })
            }
            Negative::Moved => Some(own(moved(&window.chords, rng))),
            Negative::Held => held(&window.chords, rng).map(own),
            Negative::Thickened => thickened(&window.chords, rng).map(own),
        };
        let (kind, negative) = match made {
            Some(negative) => (kind, negative),
            None => (Negative::Moved, own(moved(&window.chords, rng))),
        };
        examples.push(window.window(0, negative.len()));
        negatives.push(negative);
        kinds.push(kind);
    }
    examples.extend(negatives);
    let labels = (0..2 * n).map(|i| if i < n { 1.0 } else { 0.0 }).collect();
    (examples, labels, kinds)
}

/// `chords` moved by a key change's shift from a random beat on.
fn moved(chords: &[Token], rng: &mut ChaCha8Rng) -> Vec<Token> {
    let from = rng.random_range(0..chords.len().div_ceil(FRAMES_PER_BEAT).max(1)) * FRAMES_PER_BEAT;
    transpose_from(chords, from, key_change_semitones(rng))
}

/// `chords` with each change (a chord struck right after a different one) dropped with
/// probability ½ and the sounding chord held through it; `None` when none was dropped.
fn held(chords: &[Token], rng: &mut ChaCha8Rng) -> Option<Vec<Token>> {
    let mut out = chords.to_vec();
    let mut dropped = false;
    // The chord that sounds at the end of the previous span (as written to `out`) and where
    // that span ends.
    let mut sounding: Option<(ChordId, usize)> = None;
    for span in chord_spans(chords) {
        let end = span.start + span.frames;
        sounding = match sounding {
            Some((chord, until)) if until == span.start && chord != span.chord && rng.random_bool(0.5) => {
                out[span.start..end].fill(Token::chord_hold(chord));
                dropped = true;
                Some((chord, end))
            }
            _ => Some((span.chord, end)),
        };
    }
    dropped.then_some(out)
}

/// `chords` with each chord that has a one-note-denser quality containing it (C → C7, Cmaj7 or
/// C6, drawn per chord) made that chord; `None` when no chord could be.
fn thickened(chords: &[Token], rng: &mut ChaCha8Rng) -> Option<Vec<Token>> {
    let mut out = chords.to_vec();
    let mut changed = false;
    for span in chord_spans(chords) {
        let chord = span.chord.chord();
        let denser = denser_qualities(chord.quality);
        if denser.is_empty() {
            continue;
        }
        let thick = ChordId::of(Chord::new(chord.root, denser[rng.random_range(0..denser.len())]));
        out[span.start] = Token::chord_on(thick);
        out[span.start + 1..span.start + span.frames].fill(Token::chord_hold(thick));
        changed = true;
    }
    changed.then_some(out)
}

/// The qualities with one pitch class more than `quality` and all of its own.
fn denser_qualities(quality: Quality) -> Vec<Quality> {
    let own = quality.pitch_classes();
    Quality::ALL
        .into_iter()
        .filter(|q| q.pitch_classes().len() == own.len() + 1 && q.pitch_classes().bits() & own.bits() == own.bits())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::metrics::{changes_per_bar, pitch_classes_per_chord};
    use comper_music::spans::chord_spans;
    use comper_music::{PitchClass, TokenKind};
    use rand::SeedableRng;

    /// Eight windows of 16 frames: a note and a triad per beat, each song in its own key.
    fn windows() -> Vec<FrameTracks> {
        (0..8u8)
            .map(|song| {
                let mut melody = Vec::new();
                let mut chords = Vec::new();
                for beat in 0..4u8 {
                    let pitch = 60 + song + 2 * beat;
                    melody.extend([
                        Token::note_on(pitch),
                        Token::note_hold(pitch),
                        Token::note_hold(pitch),
                        Token::SILENCE,
                    ]);
                    let quality = if beat % 2 == 0 { Quality::Major } else { Quality::Minor };
                    let chord = ChordId::of(Chord::new(PitchClass::new(i32::from(song + 5 * beat)), quality));
                    chords.extend([
                        Token::chord_on(chord),
                        Token::chord_hold(chord),
                        Token::chord_hold(chord),
                        Token::chord_hold(chord),
                    ]);
                }
                FrameTracks { melody, chords }
            })
            .collect()
    }

    /// The negatives of `windows()` (seeded), each with its kind and its real window.
    fn negatives(seed: u64) -> Vec<(Negative, FrameTracks, FrameTracks)> {
        let windows = windows();
        let (examples, labels, kinds) = pairs(&windows, &mut ChaCha8Rng::seed_from_u64(seed));
        assert_eq!(labels.len(), 2 * windows.len());
        assert!(labels[..windows.len()].iter().all(|&y| y == 1.0) && labels[windows.len()..].iter().all(|&y| y == 0.0));
        let negatives = examples[windows.len()..].to_vec();
        kinds.into_iter().zip(windows).zip(negatives).map(|((k, real), neg)| (k, real, neg)).collect()
    }

    /// Negatives of one kind over enough seeds to see each.
    fn of_kind(kind: Negative) -> Vec<(FrameTracks, FrameTracks)> {
        let found: Vec<_> =
            (0..8).flat_map(negatives).filter(|(k, ..)| *k == kind).map(|(_, real, neg)| (real, neg)).collect();
        assert!(!found.is_empty(), "no {kind:?} negative in 64 draws");
        found
    }

    #[test]
    fn another_songs_chords_keep_their_own_rhythm() {
        let windows = windows();
        for seed in 0..8 {
            let (examples, _, kinds) = pairs(&windows, &mut ChaCha8Rng::seed_from_u64(seed));
            for (i, _) in kinds.iter().enumerate().filter(|(_, k)| **k == Negative::OtherSong) {
                let negative = &examples[windows.len() + i];
                assert_eq!(negative.chords, windows[i].chords[..negative.len()]);
                assert_eq!(negative.melody, windows[(i + 1) % windows.len()].melody[..negative.len()]);
            }
        }
    }

    #[test]
    fn a_moved_negative_keeps_its_melody_and_rhythm_and_moves_its_chords_from_a_beat_on() {
        for (real, negative) in of_kind(Negative::Moved) {
            assert_eq!(negative.melody, real.melody);
            let changed: Vec<usize> = (0..real.len()).filter(|&f| negative.chords[f] != real.chords[f]).collect();
            let from = changed[0];
            assert_eq!(from % FRAMES_PER_BEAT, 0, "moved from frame {from}, not a beat");
            assert_eq!(changed, (from..real.len()).collect::<Vec<_>>(), "every chord from frame {from} on moves");
            for f in from..real.len() {
                match (real.chords[f].kind(), negative.chords[f].kind()) {
                    (TokenKind::ChordOn(a), TokenKind::ChordOn(b))
                    | (TokenKind::ChordHold(a), TokenKind::ChordHold(b)) => {
                        assert_ne!(a.chord().root, b.chord().root, "frame {f}: the root moves")
                    }
                    (TokenKind::ChordHold(a), TokenKind::ChordOn(b)) if f == from => {
                        assert_ne!(a.chord().root, b.chord().root)
                    }
                    (a, b) => panic!("frame {f}: {a:?} became {b:?}, not the same rhythm"),
                }
            }
        }
    }

    #[test]
    fn a_held_negative_drops_changes_and_holds_the_chord_before_each() {
        for (real, negative) in of_kind(Negative::Held) {
            assert_eq!(negative.melody, real.melody);
            let (before, after) = (chord_spans(&real.chords), chord_spans(&negative.chords));
            assert!(after.len() < before.len(), "{} changes kept of {}", after.len(), before.len());
            assert!(changes_per_bar(std::slice::from_ref(&negative)) < changes_per_bar(std::slice::from_ref(&real)));
            // Every chord left is struck where the song strikes it, and every frame sounds the
            // chord of the last strike kept: the song's harmony, fewer changes.
            for span in &after {
                assert!(before.iter().any(|b| b.start == span.start && b.chord == span.chord));
                assert!(
                    negative.chords[span.start..span.start + span.frames][1..]
                        .iter()
                        .all(|&t| t == Token::chord_hold(span.chord))
                );
            }
            assert_eq!(after.iter().map(|s| s.frames).sum::<usize>(), real.len());
        }
    }

    #[test]
    fn a_thickened_negative_keeps_the_rhythm_and_adds_one_note_to_each_triad() {
        for (real, negative) in of_kind(Negative::Thickened) {
            assert_eq!(negative.melody, real.melody);
            let (before, after) = (chord_spans(&real.chords), chord_spans(&negative.chords));
            assert_eq!(before.len(), after.len());
            for (b, a) in before.iter().zip(&after) {
                assert_eq!((b.start, b.frames), (a.start, a.frames));
                let (b, a) = (b.chord.chord(), a.chord.chord());
                assert_eq!(a.root, b.root);
                assert_eq!(a.pitch_classes().len(), b.pitch_classes().len() + 1, "{b} became {a}");
                assert!(b.pitch_classes().iter().all(|pc| a.pitch_classes().contains(pc)), "{b} became {a}");
            }
            assert_eq!(pitch_classes_per_chord(std::slice::from_ref(&negative)), 4.0);
        }
    }

    #[test]
    fn a_window_with_nothing_to_drop_or_thicken_gets_a_moved_negative() {
        let sevenths = |root: i32| {
            let chord = ChordId::of(Chord::new(PitchClass::new(root), Quality::Dominant7));
            let mut chords = vec![Token::chord_hold(chord); 16];
            chords[0] = Token::chord_on(chord);
            FrameTracks { melody: vec![Token::note_on(60 + root as u8); 16], chords }
        };
        let windows: Vec<FrameTracks> = (0..8).map(sevenths).collect();
        for seed in 0..8 {
            let (examples, _, kinds) = pairs(&windows, &mut ChaCha8Rng::seed_from_u64(seed));
            assert!(kinds.iter().all(|k| matches!(k, Negative::OtherSong | Negative::Moved)), "{kinds:?}");
            for (i, _) in kinds.iter().enumerate() {
                assert_ne!(examples[i], examples[windows.len() + i], "a negative equals its positive");
            }
        }
    }
}
