//! Chord symbols: `<harmony>` marks (`<kind>`, `<degree>`, `<bass>`) read as chords with the
//! theory of `crate::chord_symbols`, and the chord track they make.

use super::pitch::{parse_alter, step_semitones};
use super::xml::{child, child_text, children};
use crate::chord_symbols::{Degree, DegreeKind, accidentals, kind_intervals};
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
    let degrees: Option<Vec<Degree>> = children(node, "degree").map(read_degree).collect();
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

/// A `<degree>`: add, alter or subtract one chord tone.
fn read_degree(node: Node) -> Option<Degree> {
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
