//! Naming pitches and chords as a musician reads them in a key: B♭ in F major, not A#.
//!
//! The key is the major scale that holds the most of the notes (a minor key spells as its
//! relative major), ties going to the one with fewer accidentals. In it, a root is named by
//! its scale degree: the seven degrees by the key's own letters, the five others as ♭2, ♭3,
//! ♯4, ♭6 and ♭7 (the borrowed chords of pop and folk: E♭ and B♭ in C major, F# as V of V).

use crate::chord::Chord;
use crate::pitch::PitchClass;
use crate::token::{Token, sounding_pitch};

/// The major scale's degrees, in semitones from the tonic.
pub const MAJOR_SCALE: [u8; 7] = [0, 2, 4, 5, 7, 9, 11];

/// The frames a key is heard over: the last two bars of 4/4.
pub const HEARD_FRAMES: usize = 2 * crate::metrics::FRAMES_PER_BAR;

/// Major keys by tonic pitch class, named with the fewest accidentals (F# rather than G♭).
const TONICS: [&str; 12] = ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"];
/// The signature of each, in fifths: sharps above zero, flats below.
const FIFTHS: [i8; 12] = [0, -5, 2, -3, 4, -1, 6, 1, -4, 3, -2, 5];

/// The relative minor of each major key, by the major tonic's pitch class.
const RELATIVE_MINORS: [&str; 12] = ["A", "Bb", "B", "C", "C#", "D", "D#", "E", "F", "F#", "G", "G#"];

/// Pitch classes named with flats.
const FLAT_NAMES: [&str; 12] = ["C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B"];

/// Letters from C, and the pitch class of each natural: C major's scale.
const LETTERS: [char; 7] = ['C', 'D', 'E', 'F', 'G', 'A', 'B'];
const NATURALS: [u8; 7] = MAJOR_SCALE;

/// Each semitone above the tonic as scale steps above its letter: the diatonic degrees by
/// their own letter, ♭2, ♭3, ♯4, ♭6 and ♭7 for the rest.
const DEGREE_STEPS: [usize; 12] = [0, 1, 1, 2, 2, 3, 3, 4, 5, 5, 6, 6];

/// The major key names are spelled in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Spelling {
    tonic: PitchClass,
}

impl Default for Spelling {
    /// C major: every name as the chord vocabulary writes it, but with ♭2, ♭3, ♭6 and ♭7.
    fn default() -> Self {
        Spelling { tonic: PitchClass::new(0) }
    }
}

impl Spelling {
    pub fn major(tonic: PitchClass) -> Spelling {
        Spelling { tonic }
    }

    /// The key whose major scale holds the most of `pitches`; C major without any.
    pub fn fitting(pitches: impl IntoIterator<Item = PitchClass>) -> Spelling {
        let mut counts = [0usize; 12];
        pitches.into_iter().for_each(|p| counts[usize::from(p.index())] += 1);
        let held = |tonic: u8| MAJOR_SCALE.iter().map(|d| counts[usize::from((tonic + d) % 12)]).sum::<usize>();
        let tonic =
            (0..12u8).max_by_key(|&t| (held(t), std::cmp::Reverse(FIFTHS[usize::from(t)].unsigned_abs()))).unwrap_or(0);
        Spelling::major(PitchClass::new(i32::from(tonic)))
    }

    /// The key as a reader names it, the major and its relative minor (the notes alone do
    /// not tell the two apart): "F major / D minor".
    pub fn name(self) -> String {
        let index = usize::from(self.tonic.index());
        format!("{} major / {} minor", TONICS[index], RELATIVE_MINORS[index]).replace('b', "♭")
    }

    /// The key's tonic.
    pub fn tonic(self) -> PitchClass {
        self.tonic
    }

    /// The key heard in `recent` frames of melody (the last [`HEARD_FRAMES`], newest first or
    /// not); none while they are silent.
    pub fn heard<'a>(recent: impl IntoIterator<Item = &'a Token, IntoIter: Clone>) -> Option<Spelling> {
        let recent = recent.into_iter();
        recent.clone().any(|&t| sounding_pitch(t).is_some()).then(|| Spelling::of_melody(recent))
    }

    /// The key of a melody track, each note weighed by the frames it sounds.
    pub fn of_melody<'a>(melody: impl IntoIterator<Item = &'a Token>) -> Spelling {
        Spelling::fitting(melody.into_iter().filter_map(|&t| sounding_pitch(t)).map(PitchClass::of_midi))
    }

    /// `pitch` named in this key: "Bb" for A# in F major.
    pub fn pitch(self, pitch: PitchClass) -> String {
        let tonic_letter = LETTERS.iter().position(|&l| TONICS[usize::from(self.tonic.index())].starts_with(l));
        let degree = (pitch.index() + 12 - self.tonic.index()) % 12;
        let letter = (tonic_letter.unwrap_or(0) + DEGREE_STEPS[usize::from(degree)]) % 7;
        match (i32::from(pitch.index()) - i32::from(NATURALS[letter])).rem_euclid(12) {
            0 => LETTERS[letter].to_string(),
            1 => format!("{}#", LETTERS[letter]),
            11 => format!("{}b", LETTERS[letter]),
            // A double sharp or flat reads worse than the plain name the key's signature
            // leans to (a chord far from the key: A in D♭ major).
            _ if FIFTHS[usize::from(self.tonic.index())] < 0 => FLAT_NAMES[usize::from(pitch.index())].to_string(),
            _ => pitch.name().to_string(),
        }
    }

    /// `chord` named in this key: "Bb" for A# major in F major, "Ebm7" for D#m7 in B♭.
    pub fn chord(self, chord: Chord) -> String {
        format!("{}{}", self.pitch(chord.root), chord.quality.suffix())
    }

    /// The key a musician names: "F", "F major", "D minor" or this key's [`Spelling::name`]
    /// (a minor key is its relative major's).
    pub fn parse(text: &str) -> Option<Spelling> {
        let text = text.trim();
        let text = text.split_once(" / ").map_or(text, |(major, _)| major);
        let (note, mode) = text.split_once(' ').unwrap_or((text, "major"));
        let tonic = PitchClass::parse(note)?;
        match mode.trim() {
            "major" => Some(Spelling::major(tonic)),
            "minor" => Some(Spelling::major(tonic.transposed(3))),
            _ => None,
        }
    }

    /// Whether `chord` is in this key: its tones lie in the major scale, or in the relative
    /// minor's harmonic scale (the minor key's own dominant: E and E7 in C major / A minor).
    pub fn holds(self, chord: Chord) -> bool {
        let major = MAJOR_SCALE.iter().fold(0u16, |set, degree| set | 1 << degree);
        // The relative minor's leading tone (G# in A minor) in place of the major's fifth degree.
        let harmonic = major & !(1 << 7) | 1 << 8;
        let tones = chord.pitch_classes().relative_to(self.tonic).bits();
        tones & !major == 0 || tones & !harmonic == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chord::Quality;

    fn pc(name: &str) -> PitchClass {
        PitchClass::parse(name).unwrap()
    }

    fn key(name: &str) -> Spelling {
        Spelling::major(pc(name))
    }

    #[test]
    fn roots_are_named_by_their_degree_in_the_key() {
        assert_eq!(key("F").pitch(pc("A#")), "Bb");
        assert_eq!(key("F").pitch(pc("E")), "E");
        let names: Vec<String> = (0..12).map(|i| Spelling::default().pitch(PitchClass::new(i))).collect();
        assert_eq!(names, ["C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"]);
        assert_eq!(key("F#").pitch(pc("A#")), "A#");
        assert_eq!(key("F#").pitch(pc("F")), "E#");
        assert_eq!(key("Eb").chord(Chord::new(pc("G#"), Quality::Major)), "Ab");
        assert_eq!(key("Bb").chord(Chord::new(pc("D#"), Quality::Minor7)), "Ebm7");
        // Never a double accidental: A in D♭ major (a ♭♭7) is A.
        assert_eq!(key("Db").pitch(pc("A")), "A");
        assert_eq!(key("B").pitch(pc("G")), "G");
        assert_eq!(key("F").name(), "F major / D minor");
        assert_eq!(key("Eb").name(), "E♭ major / C minor");
    }

    #[test]
    fn a_key_holds_its_scales_chords_and_its_minors_dominant() {
        let chord = |root: &str, quality| Chord::new(pc(root), quality);
        let c = key("C");
        for held in [chord("C", Quality::Major), chord("A", Quality::Minor7), chord("G", Quality::Dominant7)] {
            assert!(c.holds(held), "{held:?}");
        }
        assert!(c.holds(chord("E", Quality::Dominant7)), "A minor's dominant");
        for foreign in [chord("F#", Quality::Major), chord("D", Quality::Major), chord("Eb", Quality::Major)] {
            assert!(!c.holds(foreign), "{foreign:?}");
        }
        assert!(key("F").holds(chord("Bb", Quality::Major)));
        assert!(!key("F").holds(chord("B", Quality::Major)));
    }

    #[test]
    fn keys_parse_as_musicians_name_them() {
        for text in ["F", "F major", "D minor", "F major / D minor", " Dm"] {
            let expected = if text == " Dm" { None } else { Some(key("F")) };
            assert_eq!(Spelling::parse(text), expected, "{text:?}");
        }
        for k in 0..12 {
            let k = Spelling::major(PitchClass::new(k));
            assert_eq!(Spelling::parse(&k.name()), Some(k), "{}", k.name());
        }
    }

    #[test]
    fn the_key_is_the_major_scale_that_holds_the_most_notes() {
        let fitting = |names: &[&str]| Spelling::fitting(names.iter().map(|n| pc(n)));
        // Ode to Joy's first phrase: C and F major both hold it; C has fewer accidentals.
        assert_eq!(fitting(&["E", "E", "F", "G", "G", "F", "E", "D", "C", "C", "D", "E", "E", "D", "D"]), key("C"));
        assert_eq!(fitting(&["F", "A", "C", "A#", "G", "F"]), key("F"));
        // Its F# major half: B major's scale holds it too, and spells its chords alike.
        let fsharp_half = fitting(&["A#", "A#", "B", "C#", "C#", "B", "A#", "G#", "F#", "F#", "G#", "A#"]);
        assert_eq!(fsharp_half, key("B"));
        assert_eq!(fsharp_half.pitch(pc("F")), "E#");
        assert_eq!(fitting(&[]), Spelling::default());
    }
}
