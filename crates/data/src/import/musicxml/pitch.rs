//! Written pitches (`<step>`, `<alter>`, `<octave>`) as MIDI pitches.

use super::xml::child_text;
use roxmltree::Node;

/// MIDI pitch of a `<pitch>`; `None` when outside the MIDI range.
pub(super) fn midi_pitch(pitch: Node) -> Result<Option<u8>, String> {
    let step_text = child_text(pitch, "step").unwrap_or_default();
    let step = step_semitones(step_text).ok_or(format!("bad <step> '{step_text}'"))?;
    let octave_text = child_text(pitch, "octave").unwrap_or_default();
    let octave: i32 = octave_text.parse().map_err(|_| format!("bad <octave> '{octave_text}'"))?;
    let alter = parse_alter(child_text(pitch, "alter")).ok_or("bad <alter>")?;
    let midi = (i64::from(octave) + 1) * 12 + i64::from(step + alter);
    Ok(u8::try_from(midi).ok().filter(|&p| p < 128))
}

pub(super) fn step_semitones(step: &str) -> Option<i32> {
    Some(match step {
        "C" => 0,
        "D" => 2,
        "E" => 4,
        "F" => 5,
        "G" => 7,
        "A" => 9,
        "B" => 11,
        _ => return None,
    })
}

/// Semitones of an optional `<alter>`-like element (0 if absent); microtones are rounded.
pub(super) fn parse_alter(text: Option<&str>) -> Option<i32> {
    match text {
        None => Some(0),
        Some(t) => t.parse::<f64>().ok().filter(|a| a.abs() <= 12.0).map(|a| a.round() as i32),
    }
}
