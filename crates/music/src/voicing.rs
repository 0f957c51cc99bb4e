//! Chord symbol → the MIDI notes that sound it.
//!
//! By default a close root-position voicing: the root in the chosen octave, the other chord
//! tones stacked above it within the octave, and optionally the root again an octave lower as
//! a bass note (the seed's live system voices chords the same way). The musician may ask for
//! an open (drop-2) spread, for voice leading (the inversion that moves least from the last
//! chord), and for chords kept under the melody. Fixed-size and allocation-free, because the
//! plugin's audio thread voices chords.

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
    /// Open voicing: the second-highest chord tone dropped an octave (drop 2).
    pub spread: bool,
}

impl Default for Voicing {
    fn default() -> Self {
        Voicing { octave: 4, bass: true, spread: false }
    }
}

/// The lowest key an upper voice is moved down to when kept under the melody.
const LOWEST_UPPER: i32 = 40;

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

    /// Keep only the keys `keep` says to, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(u8) -> bool) {
        let mut kept = VoicedChord::default();
        for &key in self.keys() {
            if keep(key) {
                kept.push(i32::from(key));
            }
        }
        *self = kept;
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
        self.voice_with(chord, None, None)
    }

    /// Voice `chord`; with `near`, in the inversion whose tones move least from those keys
    /// (voice leading); with `below`, its upper voices moved down by octaves until they lie under
    /// that key (chords under the melody), never under [`LOWEST_UPPER`].
    pub fn voice_with(&self, chord: Chord, near: Option<&VoicedChord>, below: Option<u8>) -> VoicedChord {
        let root = (i32::from(self.octave) + 1) * 12 + i32::from(chord.root.index());
        let intervals = chord.quality.intervals();
        let mut upper = [0i32; MAX_VOICED_NOTES];
        let n = intervals.len().min(MAX_VOICED_NOTES - 1);
        let inversion = |k: usize, shift: i32, out: &mut [i32]| {
            for (i, &interval) in intervals[..n].iter().enumerate() {
                out[i] = root + i32::from(interval) + if i < k { 12 } else { 0 } + shift;
            }
            out[..n].sort_unstable();
        };
        inversion(0, 0, &mut upper);
        if let Some(near) = near.filter(|v| v.len > 0) {
            let cost = |keys: &[i32]| -> i32 {
                keys.iter().map(|&k| near.keys().iter().map(|&p| (k - i32::from(p)).abs()).min().unwrap_or(0)).sum()
            };
            let mut best = cost(&upper[..n]);
            let mut candidate = [0i32; MAX_VOICED_NOTES];
            for k in 0..n {
                for shift in [-12, 0] {
                    inversion(k, shift, &mut candidate);
                    let c = cost(&candidate[..n]);
                    if c < best {
                        (best, upper) = (c, candidate);
                    }
                }
            }
        }
        if self.spread && n >= 3 {
            upper[n - 2] -= 12;
            upper[..n].sort_unstable();
        }
        if let Some(ceiling) = below {
            while upper[n - 1] >= i32::from(ceiling) && upper[0] - 12 >= LOWEST_UPPER {
                upper[..n].iter_mut().for_each(|k| *k -= 12);
            }
        }
        let mut voiced = VoicedChord::default();
        if self.bass {
            let mut bass = root - 12;
            while bass >= upper[0] && bass - 12 >= 0 {
                bass -= 12;
            }
            voiced.push(bass);
        }
        for &key in &upper[..n] {
            voiced.push(key);
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
        assert_eq!(Voicing { octave: 3, bass: false, spread: false }.voice(g7).keys(), &[55, 59, 62, 65]);
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
        let voiced = Voicing { octave: 9, bass: true, spread: false }.voice(b);
        assert!(voiced.keys().iter().all(|&k| k < 128));
        assert_eq!(voiced.keys(), &[119]);
    }

    #[test]
    fn voice_leading_picks_the_inversion_that_moves_least() {
        let plain = Voicing { octave: 4, bass: false, spread: false };
        let c = plain.voice(Chord::new(PitchClass::C, Quality::Major));
        let f = Chord::new(PitchClass::new(5), Quality::Major);
        assert_eq!(plain.voice(f).keys(), &[65, 69, 72]);
        assert_eq!(plain.voice_with(f, Some(&c), None).keys(), &[60, 65, 69], "C→F: C stays, E→F, G→A");
        let g = Chord::new(PitchClass::new(7), Quality::Major);
        assert_eq!(plain.voice_with(g, Some(&c), None).keys(), &[59, 62, 67], "C→G: G stays");
    }

    #[test]
    fn spread_drops_the_second_highest_tone_an_octave() {
        let c = Chord::new(PitchClass::C, Quality::Major);
        assert_eq!(Voicing { spread: true, ..Voicing::default() }.voice(c).keys(), &[48, 52, 60, 67]);
    }

    #[test]
    fn chords_move_under_the_melody_but_not_into_the_mud() {
        let c = Chord::new(PitchClass::C, Quality::Major);
        let high = Voicing { octave: 5, bass: true, spread: false };
        assert_eq!(high.voice_with(c, None, Some(70)).keys(), &[48, 60, 64, 67]);
        assert_eq!(high.voice_with(c, None, Some(50)).keys(), &[36, 48, 52, 55], "stops at the lowest upper voice");
    }
}
