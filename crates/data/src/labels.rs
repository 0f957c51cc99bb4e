//! Chord labels → vocabulary chords, with a record of what was reduced.
//!
//! Every source spells chords differently (Harte `A:min7/5`, MusicXML `<kind>`, Hooktheory
//! stacked intervals, pitch sets in MIDI). Each spelling is first turned into a root and a
//! pitch-class set; [`map_set`] then names the set in the vocabulary, exactly when it can and
//! by a documented reduction when it cannot, so the data report can say what was lost.

use comper_music::pitch::PitchClassSet;
use comper_music::{Chord, PitchClass, Quality};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How one chord label reached the vocabulary.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Mapping {
    /// The label's pitch classes are exactly a vocabulary chord.
    Exact(Chord),
    /// The label had other pitch classes (tensions, omissions); `from` names the original.
    Reduced { chord: Chord, from: String },
}

impl Mapping {
    pub fn chord(&self) -> Chord {
        match self {
            Mapping::Exact(c) | Mapping::Reduced { chord: c, .. } => *c,
        }
    }
}

/// Name a chord given its root and its pitch classes relative to the root.
///
/// Reduction rule when no quality matches exactly: the largest vocabulary quality whose
/// pitch classes are all in the set (tensions dropped: C9 → C7, Cadd9 → C); failing that,
/// the smallest quality containing the whole set (omissions filled: C5 → C). Ties go to the
/// earlier quality in [`Quality::ALL`]. `None` for an empty set.
pub fn map_set(root: PitchClass, relative: PitchClassSet, label: &str) -> Option<Mapping> {
    let mut relative = relative;
    relative.insert(PitchClass::C);
    if let Some(q) = Quality::from_relative_set(relative) {
        return Some(Mapping::Exact(Chord::new(root, q)));
    }
    let bits = relative.bits();
    let subset = Quality::ALL
        .into_iter()
        .filter(|q| q.pitch_classes().bits() & !bits == 0)
        .max_by_key(|q| (q.pitch_classes().len(), std::cmp::Reverse(q.index())));
    let superset = || {
        Quality::ALL
            .into_iter()
            .filter(|q| bits & !q.pitch_classes().bits() == 0)
            .min_by_key(|q| (q.pitch_classes().len(), q.index()))
    };
    let quality = subset.or_else(superset)?;
    Some(Mapping::Reduced { chord: Chord::new(root, quality), from: label.to_string() })
}

/// Semitones of a Harte/lead-sheet scale degree such as `3`, `b7`, `#11`.
fn degree_semitones(degree: &str) -> Option<i32> {
    let digits = degree.trim_start_matches(['b', '#']);
    let flats = degree.len() - degree.trim_start_matches('b').len();
    let sharps = degree.len() - degree.trim_start_matches('#').len();
    let base = match digits.parse::<u8>().ok()? {
        1 | 8 => 0,
        2 | 9 => 2,
        3 | 10 => 4,
        4 | 11 => 5,
        5 | 12 => 7,
        6 | 13 => 9,
        7 | 14 => 11,
        _ => return None,
    };
    Some(base - flats as i32 + sharps as i32)
}

/// Intervals of a Harte shorthand (the part after `:` and before `(` or `/`).
fn harte_shorthand(shorthand: &str) -> Option<&'static [i32]> {
    Some(match shorthand {
        "" | "maj" => &[0, 4, 7],
        "min" => &[0, 3, 7],
        "dim" => &[0, 3, 6],
        "aug" => &[0, 4, 8],
        "maj7" => &[0, 4, 7, 11],
        "min7" => &[0, 3, 7, 10],
        "7" => &[0, 4, 7, 10],
        "dim7" => &[0, 3, 6, 9],
        "hdim7" => &[0, 3, 6, 10],
        "minmaj7" => &[0, 3, 7, 11],
        "maj6" => &[0, 4, 7, 9],
        "min6" => &[0, 3, 7, 9],
        "9" => &[0, 4, 7, 10, 2],
        "maj9" => &[0, 4, 7, 11, 2],
        "min9" => &[0, 3, 7, 10, 2],
        "11" => &[0, 4, 7, 10, 2, 5],
        "min11" => &[0, 3, 7, 10, 2, 5],
        "13" => &[0, 4, 7, 10, 2, 9],
        "maj13" => &[0, 4, 7, 11, 2, 9],
        "min13" => &[0, 3, 7, 10, 2, 9],
        "sus2" => &[0, 2, 7],
        "sus4" => &[0, 5, 7],
        "5" => &[0, 7],
        "1" => &[0],
        _ => return None,
    })
}

/// A parsed label: the chord (or `None` for no-chord) and the bass if written.
pub type Parsed = Option<(Mapping, Option<PitchClass>)>;

/// Parse a Harte-syntax label as POP909 writes them: `B:maj`, `F#:maj7/5`, `C:sus4(b7)`,
/// `D:maj(*3)`, `N`. `Ok(None)` is no-chord; `Err` names what could not be read.
pub fn parse_harte(label: &str) -> Result<Parsed, String> {
    let label = label.trim();
    if label == "N" || label == "X" {
        return Ok(None);
    }
    let (root, used) = PitchClass::parse_prefix(label).ok_or_else(|| format!("no root in chord label '{label}'"))?;
    let rest = &label[used..];
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let (body, bass) = match rest.rsplit_once('/') {
        Some((body, bass)) => (body, Some(bass)),
        None => (rest, None),
    };
    let (shorthand, extensions) = match body.split_once('(') {
        Some((s, ext)) => (s, Some(ext.trim_end_matches(')'))),
        None => (body, None),
    };
    let unknown = || format!("unknown chord label '{label}'");
    let mut intervals: Vec<i32> = if shorthand.is_empty() && extensions.is_some() {
        Vec::new()
    } else {
        harte_shorthand(shorthand).ok_or_else(unknown)?.to_vec()
    };
    for ext in extensions.into_iter().flat_map(|e| e.split(',')).map(str::trim).filter(|e| !e.is_empty()) {
        match ext.strip_prefix('*') {
            Some(omit) => {
                let s = degree_semitones(omit).ok_or_else(unknown)?;
                intervals.retain(|&i| i.rem_euclid(12) != s.rem_euclid(12));
            }
            None => intervals.push(degree_semitones(ext).ok_or_else(unknown)?),
        }
    }
    let set: PitchClassSet = intervals.iter().map(|&i| PitchClass::new(i)).collect();
    let mapping = map_set(root, set, label).ok_or_else(unknown)?;
    let bass = match bass {
        Some(degree) => Some(root.transposed(degree_semitones(degree).ok_or_else(unknown)?)),
        None => None,
    };
    Ok(Some((mapping, bass.filter(|&b| b != root))))
}

/// Counts of how chord events reached the vocabulary, summed over songs.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChordTally {
    pub exact: usize,
    /// Original label → vocabulary name it was reduced to, with counts.
    pub reduced: BTreeMap<String, BTreeMap<String, usize>>,
    /// Labels that name no chord the vocabulary can reach; their time is no-chord.
    pub unmapped: BTreeMap<String, usize>,
}

impl ChordTally {
    pub fn record(&mut self, mapping: &Mapping) {
        match mapping {
            Mapping::Exact(_) => self.exact += 1,
            Mapping::Reduced { chord, from } => {
                *self.reduced.entry(from.clone()).or_default().entry(chord.to_string()).or_default() += 1;
            }
        }
    }

    pub fn record_unmapped(&mut self, label: &str) {
        *self.unmapped.entry(label.to_string()).or_default() += 1;
    }

    pub fn reduced_count(&self) -> usize {
        self.reduced.values().flat_map(|m| m.values()).sum()
    }

    pub fn unmapped_count(&self) -> usize {
        self.unmapped.values().sum()
    }

    pub fn total(&self) -> usize {
        self.exact + self.reduced_count() + self.unmapped_count()
    }

    /// Share of chord events that map exactly (1.0 when there are none).
    pub fn coverage(&self) -> f64 {
        if self.total() == 0 { 1.0 } else { self.exact as f64 / self.total() as f64 }
    }

    pub fn merge(&mut self, other: &ChordTally) {
        self.exact += other.exact;
        for (from, targets) in &other.reduced {
            let entry = self.reduced.entry(from.clone()).or_default();
            for (to, n) in targets {
                *entry.entry(to.clone()).or_default() += n;
            }
        }
        for (label, n) in &other.unmapped {
            *self.unmapped.entry(label.clone()).or_default() += n;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn name(label: &str) -> String {
        let (mapping, bass) = parse_harte(label).unwrap().unwrap();
        match bass {
            Some(b) => format!("{}/{}", mapping.chord(), b),
            None => mapping.chord().to_string(),
        }
    }

    #[test]
    fn harte_labels_map_exactly() {
        assert_eq!(name("B:maj"), "B");
        assert_eq!(name("A:min7"), "Am7");
        assert_eq!(name("F#:maj7/5"), "F#maj7/C#");
        assert_eq!(name("C:hdim7"), "Cm7b5");
        assert_eq!(name("Eb:sus4(b7)"), "D#7sus4");
        assert_eq!(name("G:maj6"), "G6");
        assert!(matches!(parse_harte("A:minmaj7").unwrap().unwrap().0, Mapping::Exact(_)));
        assert_eq!(parse_harte("N").unwrap(), None);
    }

    #[test]
    fn tensions_and_omissions_are_reduced_and_recorded() {
        let (mapping, _) = parse_harte("C:9").unwrap().unwrap();
        assert_eq!(
            mapping,
            Mapping::Reduced { chord: Chord::new(PitchClass::C, Quality::Dominant7), from: "C:9".into() }
        );
        assert_eq!(name("D:maj(9)"), "D");
        assert_eq!(name("E:min9"), "Em7");
        assert_eq!(name("A:maj(*3)"), "A");
        assert_eq!(name("F:5"), "F");
    }

    #[test]
    fn unreadable_labels_say_why() {
        assert!(parse_harte("H:maj").unwrap_err().contains("no root"));
        assert!(parse_harte("C:weird").unwrap_err().contains("unknown chord label 'C:weird'"));
    }

    #[test]
    fn tally_counts_and_merges() {
        let mut a = ChordTally::default();
        a.record(&parse_harte("C:maj").unwrap().unwrap().0);
        a.record(&parse_harte("C:9").unwrap().unwrap().0);
        let mut b = ChordTally::default();
        b.record_unmapped("C:weird");
        b.merge(&a);
        assert_eq!((b.exact, b.reduced_count(), b.unmapped_count(), b.total()), (1, 1, 1, 3));
        assert!((b.coverage() - 1.0 / 3.0).abs() < 1e-12);
    }
}
