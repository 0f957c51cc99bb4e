//! Chord symbol → the MIDI notes that sound it.
//!
//! A close root-position voicing: the root in the chosen octave, the other chord tones
//! stacked above it within the octave, and optionally the root again an octave lower as a
//! bass note (the seed's live system voices chords the same way). Fixed-size and
//! allocation-free, because the plugin's audio thread voices chords.

use crate::chord::Chord;

/// The most notes a voiced chord has: four chord tones and a bass note.
pub const MAX_VOICED_NOTES: usize = 5;

/// How chords are voiced.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Voicing {
    /// Octave of the chord's root in MIDI's numbering (4: the root lies in C4…B4, C4 = 60).
    pub octave: i8,
    /// Add the root an octave below the chord.
    pub bass: bool,
}

impl Default for Voicing {
    fn default() -> Self {
        Voicing { octave: 4, bass: true }
    }
}

/// The MIDI keys of one voiced chord, lowest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct VoicedChord {
    keys: [u8; MAX_VOICED_NOTES],
    len: usize,
}

impl VoicedChord {
    pub fn keys(&self) -> &[u8] {
        &self.keys[..self.len]
    }

    fn push(&mut self, key: i32) {
        if let Ok(key) = u8::try_from(key)
            && key < 128
            && self.len < MAX_VOICED_NOTES
        {
            self.keys[self.len] = key;
            self.len += 1;
        }
    }
}

impl Voicing {
    /// The keys that sound `chord`; tones outside the MIDI range are dropped.
    pub fn voice(&self, chord: Chord) -> VoicedChord {
        let root = (i32::from(self.octave) + 1) * 12 + i32::from(chord.root.index());
        let mut voiced = VoicedChord::default();
        if self.bass {
            voiced.push(root - 12);
        }
        for &interval in chord.quality.intervals() {
            voiced.push(root + i32::from(interval));
        }
        voiced
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chord::Quality;
    use crate::pitch::PitchClass;

    #[test]
    fn c_major_in_octave_four_with_bass() {
        let c = Chord::new(PitchClass::C, Quality::Major);
        assert_eq!(Voicing::default().voice(c).keys(), &[48, 60, 64, 67]);
    }

    #[test]
    fn sevenths_without_bass_and_in_another_octave() {
        let g7 = Chord::new(PitchClass::new(7), Quality::Dominant7);
        assert_eq!(Voicing { octave: 3, bass: false }.voice(g7).keys(), &[55, 59, 62, 65]);
    }

    #[test]
    fn every_vocabulary_chord_voices_its_own_pitch_classes() {
        for id in crate::vocab::ChordId::all() {
            let chord = id.chord();
            let voiced = Voicing::default().voice(chord);
            let set: crate::pitch::PitchClassSet = voiced.keys().iter().map(|&k| PitchClass::of_midi(k)).collect();
            assert_eq!(set, chord.pitch_classes(), "{chord}");
            assert!(voiced.keys().windows(2).all(|w| w[0] < w[1]));
        }
    }

    #[test]
    fn keys_outside_midi_are_dropped() {
        let b = Chord::new(PitchClass::new(11), Quality::Major7);
        let voiced = Voicing { octave: 9, bass: true }.voice(b);
        assert!(voiced.keys().iter().all(|&k| k < 128));
        assert_eq!(voiced.keys(), &[119]);
    }
}
