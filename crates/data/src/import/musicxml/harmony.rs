//! Chord symbols: `<harmony>` marks (`<kind>`, `<degree>`, `<bass>`) as chords, and the
//! chord track they make.

use super::pitch::{parse_alter, step_semitones};
use super::xml::{child, child_text, children};
use crate::labels::{ChordTally, Mapping, map_set};
use comper_music::pitch::PitchClassSet;
use comper_music::{ChordEvent, PitchClass};
use roxmltree::Node;

/// One `<harmony>` as read.
#[derive(Debug)]
pub(super) enum Harmony {
    Chord {
        mapping: Mapping,
        bass: Option<PitchClass>,
    },
    /// Kind `none`: N.C.
    NoChord,
    /// A harmony that names no vocabulary chord; the label says what was written.
    Unreadable(String),
}

pub(super) fn read_harmony(node: Node) -> Harmony {
    let kind = child_text(node, "kind").unwrap_or_default();
    if kind == "none" {
        return Harmony::NoChord;
    }
    let Some((root, root_name)) = child(node, "root").and_then(|r| spelled(r, "root-step", "root-alter")) else {
        return Harmony::Unreadable(format!("{kind} without root"));
    };
    let degrees: Option<Vec<Degree>> = children(node, "degree").map(Degree::read).collect();
    let degree_text: String = degrees.iter().flatten().map(|d| format!(" {d}")).collect();
    let label = format!("{root_name} {kind}{degree_text}");
    let (Some(base), Some(degrees)) = (kind_intervals(kind), degrees) else {
        return Harmony::Unreadable(label);
    };
    if kind == "other" && degrees.is_empty() {
        return Harmony::Unreadable(label);
    }
    let intervals = degrees.iter().fold(base.to_vec(), |set, d| d.apply(set));
    let set: PitchClassSet = intervals.into_iter().map(PitchClass::new).collect();
    let bass = child(node, "bass").and_then(|b| spelled(b, "bass-step", "bass-alter")).map(|(pc, _)| pc);
    match map_set(root, set, &label) {
        Some(mapping) => Harmony::Chord { mapping, bass: bass.filter(|&b| b != root) },
        None => Harmony::Unreadable(label),
    }
}

/// A pitch class from a step/alter pair of children, with its written spelling ("Bb").
pub(super) fn spelled(node: Node, step: &str, alter_name: &str) -> Option<(PitchClass, String)> {
    let step = child_text(node, step)?;
    let alter = parse_alter(child_text(node, alter_name))?;
    let semitones = step_semitones(step)?;
    Some((PitchClass::new(semitones + alter), format!("{step}{}", accidentals(alter))))
}

pub(super) fn accidentals(alter: i32) -> String {
    let sign = if alter < 0 { "b" } else { "#" };
    sign.repeat(alter.unsigned_abs() as usize)
}

/// Intervals above the root of a MusicXML `<kind>` value.
pub(super) fn kind_intervals(kind: &str) -> Option<&'static [i32]> {
    Some(match kind {
        "major" | "Neapolitan" => &[0, 4, 7],
        "minor" => &[0, 3, 7],
        "augmented" => &[0, 4, 8],
        "diminished" => &[0, 3, 6],
        "dominant" | "German" => &[0, 4, 7, 10],
        "major-seventh" => &[0, 4, 7, 11],
        "minor-seventh" => &[0, 3, 7, 10],
        "diminished-seventh" => &[0, 3, 6, 9],
        "augmented-seventh" => &[0, 4, 8, 10],
        "half-diminished" | "Tristan" => &[0, 3, 6, 10],
        "major-minor" => &[0, 3, 7, 11],
        "major-sixth" => &[0, 4, 7, 9],
        "minor-sixth" => &[0, 3, 7, 9],
        "dominant-ninth" => &[0, 4, 7, 10, 2],
        "major-ninth" => &[0, 4, 7, 11, 2],
        "minor-ninth" => &[0, 3, 7, 10, 2],
        "dominant-11th" => &[0, 4, 7, 10, 2, 5],
        "major-11th" => &[0, 4, 7, 11, 2, 5],
        "minor-11th" => &[0, 3, 7, 10, 2, 5],
        "dominant-13th" => &[0, 4, 7, 10, 2, 9],
        "major-13th" => &[0, 4, 7, 11, 2, 9],
        "minor-13th" => &[0, 3, 7, 10, 2, 9],
        "suspended-second" => &[0, 2, 7],
        "suspended-fourth" => &[0, 5, 7],
        "Italian" => &[0, 4, 10],
        "French" => &[0, 4, 6, 10],
        "power" => &[0, 7],
        "pedal" | "other" => &[0],
        _ => return None,
    })
}

/// A `<degree>`: add, alter or subtract one chord tone.
#[derive(Clone, Copy, Debug)]
pub(super) struct Degree {
    value: u32,
    alter: i32,
    kind: DegreeKind,
}

#[derive(Clone, Copy, Debug)]
pub(super) enum DegreeKind {
    Add,
    Alter,
    Subtract,
}

impl Degree {
    fn read(node: Node) -> Option<Degree> {
        let value = child_text(node, "degree-value")?.parse().ok().filter(|&v| v >= 1)?;
        let alter = parse_alter(child_text(node, "degree-alter"))?;
        let kind = match child_text(node, "degree-type")? {
            "add" => DegreeKind::Add,
            "alter" => DegreeKind::Alter,
            "subtract" => DegreeKind::Subtract,
            _ => return None,
        };
        Some(Degree { value, alter, kind })
    }

    /// Semitones of the degree in a dominant chord (major and perfect intervals, minor
    /// seventh): what an added degree's alteration is relative to.
    fn dominant_semitones(self) -> i32 {
        let scale = [0, 2, 4, 5, 7, 9, 10];
        scale.get((self.value.saturating_sub(1) % 7) as usize).copied().unwrap_or(0)
    }

    /// The chord's own tone for this degree, if it has one: an altered or subtracted
    /// degree is relative to it (the third of a minor chord, the fifth of a diminished one).
    fn chord_tone(self, intervals: &[i32]) -> Option<i32> {
        let nearby: &[i32] = match self.value {
            3 => &[0, -1],
            5 => &[0, -1, 1],
            7 => &[0, 1, -1],
            _ => &[0],
        };
        let dominant = self.dominant_semitones();
        nearby.iter().map(|d| (dominant + d).rem_euclid(12)).find(|s| intervals.contains(s))
    }

    fn apply(self, intervals: Vec<i32>) -> Vec<i32> {
        let mut intervals: Vec<i32> = intervals.into_iter().map(|i| i.rem_euclid(12)).collect();
        let dominant = self.dominant_semitones();
        let tone = self.chord_tone(&intervals);
        let target = match self.kind {
            DegreeKind::Add => dominant,
            DegreeKind::Alter | DegreeKind::Subtract => tone.unwrap_or(dominant),
        };
        let written = (target + self.alter).rem_euclid(12);
        match self.kind {
            DegreeKind::Add => intervals.push(written),
            DegreeKind::Alter => {
                intervals.retain(|&i| Some(i) != tone);
                intervals.push(written);
            }
            DegreeKind::Subtract => intervals.retain(|&i| i != written),
        }
        intervals
    }
}

impl std::fmt::Display for Degree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.kind {
            DegreeKind::Add => "add",
            DegreeKind::Alter => "alter",
            DegreeKind::Subtract => "subtract",
        };
        write!(f, "{kind} {}{}", accidentals(self.alter), self.value)
    }
}

/// Chord events from harmony marks: each lasts until the next mark or `end`. Every mark
/// but N.C. is tallied.
pub(super) fn chord_track(mut marks: Vec<(f64, Harmony)>, end: f64, tally: &mut ChordTally) -> Vec<ChordEvent> {
    marks.sort_by(|a, b| a.0.total_cmp(&b.0));
    let offsets: Vec<f64> = marks.iter().skip(1).map(|(onset, _)| *onset).chain([end]).collect();
    let mut events = Vec::new();
    for ((onset, harmony), offset) in marks.into_iter().zip(offsets) {
        match harmony {
            Harmony::Chord { mapping, bass } => {
                tally.record(&mapping);
                events.push(ChordEvent { onset, offset, chord: mapping.chord(), bass });
            }
            Harmony::Unreadable(label) => tally.record_unmapped(&label),
            Harmony::NoChord => {}
        }
    }
    events
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn degrees_follow_the_musicxml_reference() {
        let degree = |value, alter, kind| Degree { value, alter, kind };
        let sorted = |mut v: Vec<i32>| {
            v.sort();
            v
        };
        let dominant = vec![0, 4, 7, 10];
        assert_eq!(sorted(degree(7, 0, DegreeKind::Add).apply(vec![0, 4, 7])), [0, 4, 7, 10]);
        assert_eq!(sorted(degree(5, -1, DegreeKind::Alter).apply(dominant.clone())), [0, 4, 6, 10]);
        assert_eq!(sorted(degree(5, 0, DegreeKind::Subtract).apply(vec![0, 3, 6])), [0, 3]);
        assert_eq!(sorted(degree(3, 0, DegreeKind::Subtract).apply(vec![0, 3, 7])), [0, 7]);
        assert_eq!(sorted(degree(13, 0, DegreeKind::Alter).apply(dominant)), [0, 4, 7, 9, 10]);
        assert_eq!(degree(9, -1, DegreeKind::Add).to_string(), "add b9");
    }
}
