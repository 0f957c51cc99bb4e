//! Chord qualities and chords.
//!
//! A chord in Comper's vocabulary is a root plus one of [`Quality::ALL`]. Like the seed
//! paper's tokenizer, chord tokens carry no inversion: a lead sheet keeps the bass note on
//! its [`ChordEvent`](crate::ChordEvent), the token does not.

use crate::pitch::{PitchClass, PitchClassSet};
use serde::{Deserialize, Serialize};
use std::fmt;

/// The chord qualities of the vocabulary. Chosen from the training data: the twelve that
/// the data report must cover, plus the three the POP909 labels use often enough that
/// reducing them would cost more than 2% of chord events (see the data report).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Quality {
    Major,
    Minor,
    Dominant7,
    Minor7,
    Major7,
    Diminished,
    Augmented,
    Sus2,
    Sus4,
    HalfDiminished7,
    Diminished7,
    Major6,
    Minor6,
    MinorMajor7,
    Dominant7Sus4,
}

impl Quality {
    /// Every quality, in declaration (= vocabulary) order. The order is also the preference when a
    /// pitch-class set names more than one chord (C6 and Am7 share their notes).
    pub const ALL: [Quality; 15] = [
        Quality::Major,
        Quality::Minor,
        Quality::Dominant7,
        Quality::Minor7,
        Quality::Major7,
        Quality::Diminished,
        Quality::Augmented,
        Quality::Sus2,
        Quality::Sus4,
        Quality::HalfDiminished7,
        Quality::Diminished7,
        Quality::Major6,
        Quality::Minor6,
        Quality::MinorMajor7,
        Quality::Dominant7Sus4,
    ];

    /// Semitones above the root, root included.
    pub fn intervals(self) -> &'static [u8] {
        match self {
            Quality::Major => &[0, 4, 7],
            Quality::Minor => &[0, 3, 7],
            Quality::Diminished => &[0, 3, 6],
            Quality::Augmented => &[0, 4, 8],
            Quality::Sus2 => &[0, 2, 7],
            Quality::Sus4 => &[0, 5, 7],
            Quality::Dominant7 => &[0, 4, 7, 10],
            Quality::Major7 => &[0, 4, 7, 11],
            Quality::Minor7 => &[0, 3, 7, 10],
            Quality::HalfDiminished7 => &[0, 3, 6, 10],
            Quality::Diminished7 => &[0, 3, 6, 9],
            Quality::Major6 => &[0, 4, 7, 9],
            Quality::Minor6 => &[0, 3, 7, 9],
            Quality::MinorMajor7 => &[0, 3, 7, 11],
            Quality::Dominant7Sus4 => &[0, 5, 7, 10],
        }
    }

    /// The suffix printed after the root ("" for major, "m7b5" for half-diminished).
    pub fn suffix(self) -> &'static str {
        match self {
            Quality::Major => "",
            Quality::Minor => "m",
            Quality::Diminished => "dim",
            Quality::Augmented => "aug",
            Quality::Sus2 => "sus2",
            Quality::Sus4 => "sus4",
            Quality::Dominant7 => "7",
            Quality::Major7 => "maj7",
            Quality::Minor7 => "m7",
            Quality::HalfDiminished7 => "m7b5",
            Quality::Diminished7 => "dim7",
            Quality::Major6 => "6",
            Quality::Minor6 => "m6",
            Quality::MinorMajor7 => "mMaj7",
            Quality::Dominant7Sus4 => "7sus4",
        }
    }

    /// The intervals as a pitch-class set rooted on C.
    pub fn pitch_classes(self) -> PitchClassSet {
        self.intervals().iter().map(|&i| PitchClass::new(i32::from(i))).collect()
    }

    /// The quality whose intervals are exactly `set` (relative to the root), if any.
    pub fn from_relative_set(set: PitchClassSet) -> Option<Quality> {
        Quality::ALL.into_iter().find(|q| q.pitch_classes() == set)
    }

    /// Position in the vocabulary's quality axis.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// A chord symbol without inversion: root and quality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Chord {
    pub root: PitchClass,
    pub quality: Quality,
}

impl Chord {
    pub fn new(root: PitchClass, quality: Quality) -> Self {
        Chord { root, quality }
    }

    /// The chord's pitch classes.
    pub fn pitch_classes(self) -> PitchClassSet {
        self.quality.intervals().iter().map(|&i| self.root.transposed(i32::from(i))).collect()
    }

    pub fn transposed(self, semitones: i32) -> Self {
        Chord::new(self.root.transposed(semitones), self.quality)
    }

    /// Name a sounding pitch-class set. The bass is tried as the root first (so C-E-G-A
    /// over C is C6 and over A is Am7); otherwise roots are tried upwards from C with the
    /// qualities in [`Quality::ALL`] order. `None` if no vocabulary chord has exactly
    /// these pitch classes.
    pub fn recognize(set: PitchClassSet, bass: Option<PitchClass>) -> Option<Chord> {
        let try_root =
            |root: PitchClass| Quality::from_relative_set(set.relative_to(root)).map(|q| Chord::new(root, q));
        bass.filter(|&b| set.contains(b)).and_then(try_root).or_else(|| set.iter().find_map(try_root))
    }
}

impl fmt::Display for Chord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.root, self.quality.suffix())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(pcs: &[i32]) -> PitchClassSet {
        pcs.iter().map(|&p| PitchClass::new(p)).collect()
    }

    #[test]
    fn every_quality_has_a_distinct_pitch_class_set() {
        let mut sets: Vec<_> = Quality::ALL.iter().map(|q| q.pitch_classes().bits()).collect();
        sets.sort();
        sets.dedup();
        assert_eq!(sets.len(), Quality::ALL.len());
    }

    #[test]
    fn recognizes_triads_and_sevenths_in_any_voicing() {
        assert_eq!(
            Chord::recognize(set(&[7, 11, 2]), Some(PitchClass::new(7))),
            Some(Chord::new(PitchClass::new(7), Quality::Major))
        );
        assert_eq!(
            Chord::recognize(set(&[2, 6, 9, 0]), None),
            Some(Chord::new(PitchClass::new(2), Quality::Dominant7))
        );
        assert_eq!(
            Chord::recognize(set(&[11, 2, 5]), None),
            Some(Chord::new(PitchClass::new(11), Quality::Diminished))
        );
    }

    #[test]
    fn bass_disambiguates_sixths_from_minor_sevenths() {
        let c6 = set(&[0, 4, 7, 9]);
        assert_eq!(Chord::recognize(c6, Some(PitchClass::new(0))).unwrap().to_string(), "C6");
        assert_eq!(Chord::recognize(c6, Some(PitchClass::new(9))).unwrap().to_string(), "Am7");
    }

    #[test]
    fn slash_bass_outside_the_root_still_names_the_chord() {
        // D/F#: the bass is the third.
        let d = Chord::recognize(set(&[2, 6, 9]), Some(PitchClass::new(6))).unwrap();
        assert_eq!(d.to_string(), "D");
    }

    #[test]
    fn unknown_sets_are_not_forced_into_the_vocabulary() {
        assert_eq!(Chord::recognize(set(&[0, 1, 2]), None), None);
    }
}
