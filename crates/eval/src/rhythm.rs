//! Rhythm and behaviour (`docs/method.md` §5.1, ReaLchords-era metrics): how often chords change,
//! how varied their lengths are, how much of the time the accompanist is silent, and how
//! its chord onsets sit against the melody's onsets.

use crate::{entropy, sounding_chord};
use comper_music::metrics::changes_per_bar;
use comper_music::spans::chord_spans;
use comper_music::{FRAMES_PER_BEAT, FrameTracks, TokenKind};
use serde::{Deserialize, Serialize};

/// Chord lengths are binned by frames 1..=33 and one bin for anything longer (ReaLchords).
const LONGEST_LENGTH_BIN: usize = 34;
/// Onset intervals are binned by frames 0..=16 and one bin for 17 or more (or no melody
/// onset before the chord).
pub const INTERVAL_BINS: usize = 18;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Rhythm {
    /// Chord onsets that change the chord (not re-strikes of the same chord) per 16 frames.
    pub changes_per_bar: f64,
    /// Entropy (nats) of the chord-length histogram.
    pub chord_length_entropy: f64,
    /// Frames without a sounding chord, over all frames.
    pub silence_ratio: f64,
    /// Normalised histogram of the frames from each chord onset back to the latest melody
    /// onset at or before it ([`INTERVAL_BINS`] bins).
    pub onset_intervals: Vec<f64>,
    /// The share of chord onsets on a beat (takes start on one); reports from before it
    /// read 0.
    #[serde(default)]
    pub onsets_on_beat: f64,
}

pub fn rhythm(takes: &[FrameTracks]) -> Rhythm {
    let (mut frames, mut silent) = (0usize, 0usize);
    let mut lengths = vec![0usize; LONGEST_LENGTH_BIN + 1];
    let mut intervals = [0usize; INTERVAL_BINS];
    let mut on_beat = 0usize;
    for take in takes {
        frames += take.len();
        silent += take.chords.iter().filter(|&&c| sounding_chord(c).is_none()).count();
        for span in &chord_spans(&take.chords) {
            lengths[span.frames.min(LONGEST_LENGTH_BIN)] += 1;
            let melody_onset = (0..=span.start).rev().find(|&f| matches!(take.melody[f].kind(), TokenKind::NoteOn(_)));
            let interval = melody_onset.map_or(INTERVAL_BINS - 1, |m| (span.start - m).min(INTERVAL_BINS - 1));
            intervals[interval] += 1;
            on_beat += usize::from(span.start % FRAMES_PER_BEAT == 0);
        }
    }
    let onsets = intervals.iter().sum::<usize>().max(1) as f64;
    Rhythm {
        changes_per_bar: changes_per_bar(takes),
        chord_length_entropy: entropy(lengths),
        silence_ratio: silent as f64 / frames.max(1) as f64,
        onset_intervals: intervals.iter().map(|&n| n as f64 / onsets).collect(),
        onsets_on_beat: on_beat as f64 / onsets,
    }
}

/// Earth mover's distance between two histograms over the same unit-spaced bins (the sum
/// of the absolute differences of their cumulative sums).
pub fn emd(a: &[f64], b: &[f64]) -> f64 {
    let (mut ca, mut cb, mut distance) = (0.0, 0.0, 0.0);
    for (x, y) in a.iter().zip(b) {
        ca += x;
        cb += y;
        distance += f64::abs(ca - cb);
    }
    distance
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, ChordId, PitchClass, Quality, Token};

    fn id(root: i32) -> ChordId {
        ChordId::of(Chord::new(PitchClass::new(root), Quality::Major))
    }

    #[test]
    fn one_chord_per_bar_on_the_melody_onsets() {
        // 4 bars, a new chord and a melody note at every bar line, a silent last half bar.
        let mut melody = Vec::new();
        let mut chords = Vec::new();
        for bar in 0..4 {
            let chord = id(bar * 5);
            melody.extend((0..16).map(|f| if f == 0 { Token::note_on(60) } else { Token::note_hold(60) }));
            chords.extend((0..16).map(|f| if f == 0 { Token::chord_on(chord) } else { Token::chord_hold(chord) }));
        }
        chords[56..].fill(Token::SILENCE);
        let r = rhythm(&[FrameTracks { melody, chords }]);
        assert_eq!(r.changes_per_bar, 1.0);
        assert_eq!(r.silence_ratio, 8.0 / 64.0);
        assert_eq!(r.onset_intervals[0], 1.0, "every chord starts on a melody onset");
        assert_eq!(r.onsets_on_beat, 1.0);
        // Lengths 16, 16, 16, 8: entropy of (3/4, 1/4).
        assert!((r.chord_length_entropy - (-(0.75f64 * 0.75f64.ln()) - 0.25 * 0.25f64.ln())).abs() < 1e-12);
    }

    #[test]
    fn restrikes_are_not_changes_and_late_chords_are_binned_by_their_delay() {
        let c = id(0);
        let melody = vec![Token::note_on(60), Token::note_hold(60), Token::note_hold(60), Token::note_hold(60)];
        let chords = vec![Token::SILENCE, Token::SILENCE, Token::chord_on(c), Token::chord_on(c)];
        let r = rhythm(&[FrameTracks { melody, chords }]);
        assert_eq!(r.changes_per_bar, 1.0 * 16.0 / 4.0);
        assert_eq!((r.onset_intervals[2], r.onset_intervals[3]), (0.5, 0.5));
        assert_eq!(r.onsets_on_beat, 0.0, "frames 2 and 3 are off the beat");
    }

    #[test]
    fn emd_moves_mass_across_bins() {
        assert_eq!(emd(&[1.0, 0.0, 0.0], &[1.0, 0.0, 0.0]), 0.0);
        assert_eq!(emd(&[1.0, 0.0, 0.0], &[0.0, 0.0, 1.0]), 2.0);
        assert_eq!(emd(&[0.5, 0.5], &[0.0, 1.0]), 0.5);
    }
}
