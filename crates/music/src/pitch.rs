//! Pitch classes (0 = C … 11 = B) and their spelling.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A pitch class, 0 = C through 11 = B.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PitchClass(u8);

/// Names used when printing; sharps, as in note_seq's chord symbols.
const SHARP_NAMES: [&str; 12] = ["C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B"];

impl PitchClass {
    pub const C: PitchClass = PitchClass(0);

    /// The pitch class of any integer (MIDI pitch, semitone offset), wrapped into 0..12.
    pub fn new(value: i32) -> Self {
        PitchClass(value.rem_euclid(12) as u8)
    }

    /// The pitch class of a MIDI pitch.
    pub fn of_midi(pitch: u8) -> Self {
        PitchClass(pitch % 12)
    }

    pub fn index(self) -> u8 {
        self.0
    }

    /// Shift by `semitones` (any sign), wrapping around the octave.
    pub fn transposed(self, semitones: i32) -> Self {
        Self::new(i32::from(self.0) + semitones)
    }

    /// Parse a letter name with any number of `#`/`b` accidentals ("C", "F#", "Bb", "Cbb").
    /// Returns the pitch class and the number of bytes consumed, so callers can parse the
    /// rest of a chord label.
    pub fn parse_prefix(text: &str) -> Option<(Self, usize)> {
        let mut chars = text.char_indices();
        let (_, letter) = chars.next()?;
        let base = match letter.to_ascii_uppercase() {
            'C' => 0,
            'D' => 2,
            'E' => 4,
            'F' => 5,
            'G' => 7,
            'A' => 9,
            'B' => 11,
            _ => return None,
        };
        let mut value = base;
        let mut used = letter.len_utf8();
        for (i, c) in chars {
            match c {
                '#' | '♯' => value += 1,
                'b' | '♭' => value -= 1,
                _ => break,
            }
            used = i + c.len_utf8();
        }
        Some((Self::new(value), used))
    }

    /// Parse a whole note name; `None` if anything follows the accidentals.
    pub fn parse(text: &str) -> Option<Self> {
        match Self::parse_prefix(text) {
            Some((pc, used)) if used == text.len() => Some(pc),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        SHARP_NAMES[usize::from(self.0)]
    }
}

impl fmt::Display for PitchClass {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of pitch classes as a 12-bit mask (bit 0 = C).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PitchClassSet(u16);

impl PitchClassSet {
    pub fn from_bits(bits: u16) -> Self {
        PitchClassSet(bits & 0x0fff)
    }

    pub fn bits(self) -> u16 {
        self.0
    }

    pub fn insert(&mut self, pc: PitchClass) {
        self.0 |= 1 << pc.index();
    }

    pub fn contains(self, pc: PitchClass) -> bool {
        self.0 & (1 << pc.index()) != 0
    }

    pub fn len(self) -> u32 {
        self.0.count_ones()
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// Rotate so that `pc` becomes pitch class 0 (the set's intervals above `pc`).
    pub fn relative_to(self, pc: PitchClass) -> Self {
        let r = u32::from(pc.index());
        let bits = u32::from(self.0);
        PitchClassSet((((bits >> r) | (bits << (12 - r))) & 0x0fff) as u16)
    }

    pub fn iter(self) -> impl Iterator<Item = PitchClass> {
        (0..12u8).filter(move |i| self.0 & (1 << i) != 0).map(PitchClass)
    }
}

impl FromIterator<PitchClass> for PitchClassSet {
    fn from_iter<I: IntoIterator<Item = PitchClass>>(iter: I) -> Self {
        let mut set = PitchClassSet::default();
        for pc in iter {
            set.insert(pc);
        }
        set
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_names_with_accidentals() {
        assert_eq!(PitchClass::parse("C"), Some(PitchClass::new(0)));
        assert_eq!(PitchClass::parse("F#"), Some(PitchClass::new(6)));
        assert_eq!(PitchClass::parse("Bb"), Some(PitchClass::new(10)));
        assert_eq!(PitchClass::parse("Cb"), Some(PitchClass::new(11)));
        assert_eq!(PitchClass::parse("H"), None);
        assert_eq!(PitchClass::parse("C:maj"), None);
        assert_eq!(PitchClass::parse_prefix("Ab:min7"), Some((PitchClass::new(8), 2)));
    }

    #[test]
    fn set_rotation_gives_intervals_above_root() {
        let g_major: PitchClassSet = [7, 11, 2].map(PitchClass::new).into_iter().collect();
        let intervals = g_major.relative_to(PitchClass::new(7));
        assert_eq!(intervals.iter().map(PitchClass::index).collect::<Vec<_>>(), [0, 4, 7]);
    }
}
