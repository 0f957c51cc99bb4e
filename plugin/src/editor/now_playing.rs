//! The chord sounding now, large, the next one the plan holds and when it comes, the one
//! that follows if the melody holds, the key Comper hears, and the count-in while Comper
//! listens.

use super::palette;
use crate::link::Timeline;
use comper_music::FRAMES_PER_BEAT;
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
        match timeline.next_change() {
            Some((chord, frames)) => ui.label(
                RichText::new(format!("{} {}", spelling.chord(chord.chord()), when(frames)))
                    .size(20.0)
                    .color(palette::chord(chord, 1.0)),
            ),
            None => ui.label(RichText::new(" ").size(20.0)),
        };
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

/// When a change `frames` ahead comes, in beats as a musician counts ahead: "in 2 beats".
fn when(frames: u32) -> String {
    match frames.div_ceil(FRAMES_PER_BEAT as u32) {
        0 => "now".into(),
        1 => "on the next beat".into(),
        beats => format!("in {beats} beats"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_change_ahead_is_told_in_beats() {
        assert_eq!(
            [0, 1, 4, 5, 8].map(when),
            ["now", "on the next beat", "on the next beat", "in 2 beats", "in 2 beats"]
        );
    }
}
