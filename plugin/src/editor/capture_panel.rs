//! The capture controls: how many bars, where to (kept with the project), and what happened.

use crate::capture;
use crate::link::{Status, Timeline};
use crate::params::ComperParams;
use egui::{RichText, Ui};
use std::path::PathBuf;

pub struct CapturePanel {
    bars: u32,
    /// The last capture's file, or why it failed.
    outcome: Option<Result<PathBuf, String>>,
}

impl Default for CapturePanel {
    fn default() -> Self {
        CapturePanel { bars: 8, outcome: None }
    }
}

impl CapturePanel {
    pub fn show(&mut self, ui: &mut Ui, timeline: &Timeline, params: &ComperParams, status: &Status) {
        ui.strong("Capture");
        let mut folder = capture::folder(params).map(|f| f.display().to_string()).unwrap_or_default();
        ui.horizontal(|ui| {
            ui.label("last");
            ui.add(egui::DragValue::new(&mut self.bars).range(1..=128).suffix(" bars"));
            let played = timeline.next_frame() > 0;
            if ui.add_enabled(played, egui::Button::new("Save MIDI")).clicked() {
                self.outcome = Some(capture::save(status, self.bars, &PathBuf::from(&folder)));
            }
            let new_take = egui::Button::new("New take");
            if ui.add(new_take).on_hover_text("forget this take: the next play listens afresh").clicked() {
                status.request_new_take();
            }
        });
        if ui.add(egui::TextEdit::singleline(&mut folder).desired_width(300.0)).changed()
            && let Ok(mut chosen) = params.capture_folder.lock()
        {
            *chosen = folder;
        }
        match &self.outcome {
            Some(Ok(path)) => ui.label(format!("saved {}", path.display())),
            Some(Err(why)) => ui.label(RichText::new(why).color(super::palette::PROBLEM)),
            None => ui.label(" "),
        };
    }
}
