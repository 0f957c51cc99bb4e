//! The window's colours: one hue per chord root, so the same chord looks the same everywhere.

use comper_music::ChordId;
use egui::Color32;
use egui::ecolor::Hsva;

pub const MELODY: Color32 = Color32::from_rgb(235, 235, 235);
pub const NOW: Color32 = Color32::from_rgb(255, 196, 64);
pub const GRID: Color32 = Color32::from_gray(60);
pub const PROBLEM: Color32 = Color32::from_rgb(255, 110, 90);
pub const GOOD: Color32 = Color32::from_rgb(120, 220, 120);

/// The colour of a chord: hue from its root, fainter when only tentatively planned.
pub fn chord(chord: ChordId, alpha: f32) -> Color32 {
    let hue = f32::from(chord.chord().root.index()) / 12.0;
    Hsva::new(hue, 0.55, 0.75, alpha).into()
}
