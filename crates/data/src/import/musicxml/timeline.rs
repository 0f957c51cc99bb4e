//! Voices and time: walking a part's measures into melody notes and harmony marks in beats.

use super::harmony::{Harmony, read_harmony};
use super::pitch::midi_pitch;
use super::xml::{child, child_text, children, has_child, positive};
use crate::import::ImportError;
use comper_music::Note;
use roxmltree::Node;

/// What one part contributes: melody-voice notes, harmony marks and its length in beats.
pub(super) struct Timeline {
    pub(super) notes: Vec<Note>,
    pub(super) harmonies: Vec<(f64, Harmony)>,
    pub(super) end: f64,
}

/// Walk a part's measures. `voice` selects the melody notes to keep (none: harmonies only);
/// `bar` is the bar length in beats, for padding a pickup.
pub(super) fn read_part(part: Node, voice: Option<&str>, bar: f64) -> Result<Timeline, ImportError> {
    let mut walker = Walker {
        voice,
        divisions: None,
        measure_start: 0.0,
        pos: 0.0,
        measure_len: 0.0,
        tie_open: None,
        timeline: Timeline { notes: Vec::new(), harmonies: Vec::new(), end: 0.0 },
    };
    let mut first_len = None;
    for measure in children(part, "measure") {
        walker.measure(measure).map_err(|reason| {
            let part_id = part.attribute("id").unwrap_or("?");
            let number = measure.attribute("number").unwrap_or("?");
            ImportError::Xml(format!("part {part_id}, measure {number}: {reason}"))
        })?;
        first_len.get_or_insert(walker.measure_start);
    }
    let mut timeline = walker.timeline;
    timeline.end = walker.measure_start;
    match first_len {
        Some(len) if len > 0.0 && len < bar - 1e-9 => timeline.shift(bar - len),
        _ => {}
    }
    Ok(timeline)
}

impl Timeline {
    fn shift(&mut self, beats: f64) {
        for note in &mut self.notes {
            note.onset += beats;
            note.offset += beats;
        }
        for (onset, _) in &mut self.harmonies {
            *onset += beats;
        }
        self.end += beats;
    }
}

/// The time cursor of one part, in beats.
pub(super) struct Walker<'v> {
    voice: Option<&'v str>,
    divisions: Option<f64>,
    measure_start: f64,
    /// Cursor within the measure.
    pos: f64,
    /// Furthest cursor reached in the measure: its length.
    measure_len: f64,
    /// Index of the last melody note when it is tied onward.
    tie_open: Option<usize>,
    timeline: Timeline,
}

impl Walker<'_> {
    fn measure(&mut self, measure: Node) -> Result<(), String> {
        for item in measure.children().filter(Node::is_element) {
            match item.tag_name().name() {
                "attributes" => {
                    if let Some(text) = child_text(item, "divisions") {
                        self.divisions = Some(positive(text).ok_or(format!("bad <divisions> '{text}'"))?);
                    }
                }
                "note" => self.note(item)?,
                "backup" => self.pos = (self.pos - self.duration(item)?).max(0.0),
                "forward" => {
                    let duration = self.duration(item)?;
                    self.advance(duration);
                }
                "harmony" => self.harmony(item),
                _ => {}
            }
        }
        self.measure_start += self.measure_len;
        self.pos = 0.0;
        self.measure_len = 0.0;
        Ok(())
    }

    fn advance(&mut self, beats: f64) {
        self.pos += beats;
        self.measure_len = self.measure_len.max(self.pos);
    }

    /// An element's `<duration>` in beats.
    fn duration(&self, node: Node) -> Result<f64, String> {
        let text = child_text(node, "duration").ok_or("missing <duration>")?;
        let divisions = self.divisions.ok_or("<duration> before any <divisions>")?;
        match text.parse::<f64>() {
            Ok(d) if d.is_finite() && d >= 0.0 => Ok(d / divisions),
            _ => Err(format!("bad <duration> '{text}'")),
        }
    }

    fn note(&mut self, note: Node) -> Result<(), String> {
        // Grace notes take no time; chord tones start with the previous note.
        if has_child(note, "grace") || has_child(note, "chord") {
            return Ok(());
        }
        let onset = self.measure_start + self.pos;
        let duration = self.duration(note)?;
        self.advance(duration);
        let Some(voice) = self.voice else { return Ok(()) };
        if note_voice(note) != voice || has_child(note, "cue") {
            return Ok(());
        }
        match child(note, "pitch").map(midi_pitch).transpose()? {
            Some(Some(pitch)) => self.melody_note(Note { onset, offset: onset + duration, pitch }, note),
            _ => self.tie_open = None,
        }
        Ok(())
    }

    /// Add a melody note, or lengthen the open tied note it continues.
    fn melody_note(&mut self, new: Note, node: Node) {
        let notes = &mut self.timeline.notes;
        let continued = if tied(node, "stop") {
            self.tie_open.and_then(|i| notes.get_mut(i)).filter(|n| n.pitch == new.pitch)
        } else {
            None
        };
        match continued {
            Some(note) => note.offset = new.offset,
            None => notes.push(new),
        }
        self.tie_open = if tied(node, "start") { notes.len().checked_sub(1) } else { None };
    }

    fn harmony(&mut self, node: Node) {
        let offset = child_text(node, "offset").and_then(|t| t.parse::<f64>().ok()).filter(|o| o.is_finite());
        let offset = offset.zip(self.divisions).map_or(0.0, |(o, d)| o / d);
        let onset = (self.measure_start + self.pos + offset).max(0.0);
        self.timeline.harmonies.push((onset, read_harmony(node)));
    }
}

/// The melody voice of a part, or `None` if the part has no pitched note.
pub(super) fn melody_voice<'a>(part: Node<'a, '_>) -> Option<&'a str> {
    let mut voices = children(part, "measure")
        .flat_map(|m| children(m, "note"))
        .filter(|n| has_child(*n, "pitch") && !["grace", "cue", "chord"].iter().any(|c| has_child(*n, c)))
        .map(note_voice);
    let first = voices.next()?;
    Some(if first == "1" || voices.any(|v| v == "1") { "1" } else { first })
}

pub(super) fn note_voice<'a>(note: Node<'a, '_>) -> &'a str {
    child_text(note, "voice").unwrap_or("1")
}

/// Whether a note carries a `<tie>` (or notated `<tied>`) of `kind` ("start", "stop").
pub(super) fn tied(note: Node, kind: &str) -> bool {
    let notations = children(note, "notations").flat_map(|n| n.children());
    note.children()
        .chain(notations)
        .any(|m| (m.has_tag_name("tie") || m.has_tag_name("tied")) && m.attribute("type") == Some(kind))
}
