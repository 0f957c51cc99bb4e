//! A score's meter, key and tempo.

use super::xml::{child_text, has_child};
use comper_music::{Key, Meter, Mode, PitchClass};
use roxmltree::Node;

/// The score's first playback tempo (`<sound tempo>`, quarter notes per minute), if any.
pub(super) fn tempo(score: Node) -> Option<f64> {
    score
        .descendants()
        .filter(|n| n.has_tag_name("sound"))
        .find_map(|n| n.attribute("tempo")?.trim().parse::<f64>().ok())
        .filter(|t| t.is_finite() && *t > 0.0)
}

/// The first readable `<time>` of a part; 4/4 without one.
pub(super) fn meter(part: Node) -> Meter {
    let read = |time: Node| {
        let beats: u32 =
            child_text(time, "beats")?.split('+').map(|b| b.trim().parse::<u32>().ok()).sum::<Option<u32>>()?;
        let numerator = u8::try_from(beats).ok().filter(|&n| n > 0)?;
        let denominator = child_text(time, "beat-type")?.parse::<u8>().ok().filter(|&d| d > 0)?;
        Some(Meter { numerator, denominator })
    };
    part.descendants().filter(|n| n.has_tag_name("time")).find_map(read).unwrap_or(Meter::COMMON)
}

/// The first `<key>` with `<fifths>`: its major tonic, or the relative minor's.
pub(super) fn key(part: Node) -> Option<Key> {
    let key = part.descendants().find(|n| n.has_tag_name("key") && has_child(*n, "fifths"))?;
    let fifths: i32 = child_text(key, "fifths")?.parse().ok()?;
    let major = PitchClass::new(fifths.rem_euclid(12) * 7);
    match child_text(key, "mode").unwrap_or("major") {
        "major" => Some(Key { tonic: major, mode: Mode::Major }),
        "minor" => Some(Key { tonic: major.transposed(9), mode: Mode::Minor }),
        _ => None,
    }
}
