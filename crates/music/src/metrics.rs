//! The measures of a take that the evaluation, the RL logs and the plugin's blind A/B all
//! report: harmony, chord changes per bar, pitch classes per chord and distinct chords. One
//! rule each, here, so that the same take gets the same numbers wherever it is measured.

use crate::spans::chord_spans;
use crate::token::{note_in_chord, sounding_chord};
use crate::{FRAMES_PER_BEAT, FrameTracks};
use std::collections::BTreeSet;
use std::ops::Range;

/// Frames in a 4/4 bar, the unit of the change rate.
pub const FRAMES_PER_BAR: usize = 4 * FRAMES_PER_BEAT;

/// Harmony's hits among counted frames. A frame counts when both the melody and the chord
/// sound (ON or HOLD); it is a hit when the melody's pitch class is in the chord.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tally {
    pub hits: usize,
    pub frames: usize,
}

impl Tally {
    /// The tally of frames `range` of `take` (clipped to its length).
    pub fn of(take: &FrameTracks, range: Range<usize>) -> Tally {
        let end = range.end.min(take.len());
        let mut tally = Tally::default();
        for f in range.start.min(end)..end {
            if let Some(hit) = note_in_chord(take.melody[f], take.chords[f]) {
                tally.frames += 1;
                tally.hits += usize::from(hit);
            }
        }
        tally
    }

    /// The tally of frames `range` of every take, pooled.
    pub fn pooled(takes: &[FrameTracks], range: Range<usize>) -> Tally {
        let mut total = Tally::default();
        for take in takes {
            total.add(Tally::of(take, range.clone()));
        }
        total
    }

    pub fn add(&mut self, other: Tally) {
        self.hits += other.hits;
        self.frames += other.frames;
    }

    /// The ratio, `None` when no frame counted.
    pub fn ratio(self) -> Option<f64> {
        (self.frames > 0).then(|| self.hits as f64 / self.frames as f64)
    }
}

/// Chord onsets that change the chord, per bar of 4/4, over all frames of `takes`: striking
/// the chord that just sounded again (a comping rhythm) is not a change.
pub fn changes_per_bar(takes: &[FrameTracks]) -> f64 {
    let changes: usize = takes
        .iter()
        .map(|take| {
            let spans = chord_spans(&take.chords);
            let restrikes =
                spans.windows(2).filter(|w| w[0].chord == w[1].chord && w[0].start + w[0].frames == w[1].start);
            spans.len() - restrikes.count()
        })
        .sum();
    let frames: usize = takes.iter().map(FrameTracks::len).sum();
    changes as f64 * FRAMES_PER_BAR as f64 / frames.max(1) as f64
}

/// Mean pitch classes in the chord of a sounding chord frame (ON or HOLD): dense chords
/// contain more of any melody, so they inflate harmony.
pub fn pitch_classes_per_chord(takes: &[FrameTracks]) -> f64 {
    let (mut pitch_classes, mut frames) = (0u64, 0u64);
    for chord in takes.iter().flat_map(|t| t.chords.iter().filter_map(|&c| sounding_chord(c))) {
        pitch_classes += u64::from(chord.chord().pitch_classes().len());
        frames += 1;
    }
    pitch_classes as f64 / frames.max(1) as f64
}

/// The distinct chords that sound (ON or HOLD) in `takes`.
pub fn distinct_chords(takes: &[FrameTracks]) -> usize {
    takes.iter().flat_map(|t| t.chords.iter().filter_map(|&c| sounding_chord(c))).collect::<BTreeSet<_>>().len()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Chord, ChordId, PitchClass, Quality, Token};

    fn chord(root: i32) -> ChordId {
        ChordId::of(Chord::new(PitchClass::new(root), Quality::Major))
    }

    #[test]
    fn a_restrike_is_not_a_change_and_silence_is_not_a_chord() {
        let (c, f) = (chord(0), chord(5));
        // C struck, held, struck again; F; silence; C: three changes in 8 frames (half a bar).
        let chords = [
            Token::chord_on(c),
            Token::chord_hold(c),
            Token::chord_on(c),
            Token::chord_on(f),
            Token::SILENCE,
            Token::chord_on(c),
            Token::chord_hold(c),
            Token::chord_hold(c),
        ];
        let take = FrameTracks { melody: vec![Token::note_on(60); 8], chords: chords.to_vec() };
        assert_eq!(changes_per_bar(std::slice::from_ref(&take)), 3.0 * 2.0);
        assert_eq!(distinct_chords(std::slice::from_ref(&take)), 2);
        assert_eq!(pitch_classes_per_chord(std::slice::from_ref(&take)), 3.0);
        // C over middle C on 6 frames, F over it once (a hit: C is in F), silence not counted.
        assert_eq!(Tally::of(&take, 0..8), Tally { hits: 7, frames: 7 });
        assert_eq!(Tally::pooled(&[take.clone(), take], 4..6).ratio(), Some(1.0));
    }
}
