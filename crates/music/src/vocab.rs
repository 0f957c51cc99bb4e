//! The chord vocabulary: every root × every [`Quality`], addressed by a dense [`ChordId`].
//!
//! The vocabulary is fixed in code rather than read from the data (as the seed's
//! tokenizer does) so that every model, reward model and the plugin agree on token ids by
//! construction; model cards still record it so a mismatched model is refused.

use crate::chord::{Chord, Quality};
use crate::pitch::PitchClass;
use serde::{Deserialize, Serialize};

/// Number of chords in the vocabulary (no-chord is the separate SILENCE token).
pub const NUM_CHORDS: usize = 12 * Quality::ALL.len();

/// Dense index of a vocabulary chord: `root * qualities + quality`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ChordId(u16);

impl ChordId {
    pub fn of(chord: Chord) -> Self {
        ChordId((usize::from(chord.root.index()) * Quality::ALL.len() + chord.quality.index()) as u16)
    }

    /// The id with this index, if it is inside the vocabulary.
    pub fn from_index(index: usize) -> Option<Self> {
        (index < NUM_CHORDS).then_some(ChordId(index as u16))
    }

    pub fn index(self) -> usize {
        usize::from(self.0)
    }

    pub fn chord(self) -> Chord {
        let q = Quality::ALL.len();
        Chord::new(PitchClass::new((self.index() / q) as i32), Quality::ALL[self.index() % q])
    }

    /// Every chord id in vocabulary order.
    pub fn all() -> impl Iterator<Item = ChordId> {
        (0..NUM_CHORDS as u16).map(ChordId)
    }
}

/// One vocabulary entry as written into model cards: its name and pitch classes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VocabEntry {
    pub name: String,
    pub pitch_classes: Vec<u8>,
}

/// The whole vocabulary as model cards record it.
pub fn entries() -> Vec<VocabEntry> {
    ChordId::all()
        .map(|id| {
            let chord = id.chord();
            VocabEntry {
                name: chord.to_string(),
                pitch_classes: chord.pitch_classes().iter().map(PitchClass::index).collect(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_are_dense() {
        for (i, id) in ChordId::all().enumerate() {
            assert_eq!(id.index(), i);
            assert_eq!(ChordId::of(id.chord()), id);
        }
        assert_eq!(ChordId::from_index(NUM_CHORDS), None);
    }

    #[test]
    fn names_are_unique() {
        let mut names: Vec<_> = entries().into_iter().map(|e| e.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), NUM_CHORDS);
    }
}
