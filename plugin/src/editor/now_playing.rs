//! The chord sounding now, large, the one that follows if the melody holds, the key Comper
//! hears, and the count-in while Comper listens.

use super::palette;
use crate::link::Timeline;
use egui::{RichText, Ui};

pub fn show(ui: &mut Ui, timeline: &Timeline) {
    ui.vertical(|ui| {
        ui.set_width(220.0);
        let key = timeline.key();
        ui.label(key.map_or("Now".into(), |key| format!("Now, in {}", key.name())));
        let spelling = key.unwrap_or_default();
        let (name, colour) = match timeline.current_chord() {
            Some(chord) => (spelling.chord(chord.chord()), palette::chord(chord, 1.0)),
            None => ("–".to_string(), ui.visuals().weak_text_color()),
        };
        ui.label(RichText::new(name).size(64.0).strong().color(colour));
        match timeline.if_held() {
            Some(next) => ui.label(format!("next, if the melody holds: {}", spelling.chord(next.chord()))),
            None => ui.label(" "),
        };
        match timeline.count_in_beats() {
            Some(beats) => ui.label(RichText::new(format!("listening… plays in {beats} beats")).color(palette::NOW)),
            None => ui.label(" "),
        };
    });
}
