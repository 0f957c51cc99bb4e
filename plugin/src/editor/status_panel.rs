//! What the musician needs to trust the accompanist: which model plays, whether ONNX Runtime
//! was found (and what to do if not), how fast the policy answers, and how the take sounds.

use super::palette;
use crate::link::{Status, Timeline};
use egui::{RichText, Ui};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

/// How long the worker may go without a turn before the window calls it stalled.
const STALLED: Duration = Duration::from_secs(1);

/// Watches the worker's heartbeat from the window.
#[derive(Default)]
pub struct Watchdog {
    last: Option<(u64, Instant)>,
}

impl Watchdog {
    /// True when the worker has not taken a turn for [`STALLED`].
    fn stalled(&mut self, status: &Status) -> bool {
        let beat = status.heartbeat();
        match self.last {
            Some((seen, since)) if seen == beat => since.elapsed() > STALLED,
            _ => {
                self.last = Some((beat, Instant::now()));
                false
            }
        }
    }
}

/// The title line: the model playing (unless a blind comparison hides it), or the problem
/// that stops it.
pub fn header(ui: &mut Ui, status: &Status, watchdog: &mut Watchdog, blind: bool) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("Comper").size(20.0).strong());
        let model = if blind {
            "a hidden model".to_string()
        } else {
            status.model.lock().map(|m| m.clone()).unwrap_or_default()
        };
        if status.is_ready() {
            ui.label(RichText::new(format!("playing {model}")).color(palette::GOOD));
        } else {
            ui.label(RichText::new("no model playing").color(palette::PROBLEM));
        }
        let runtime = status.runtime_found.load(Ordering::Relaxed);
        let (text, colour) =
            if runtime { ("ONNX Runtime found", palette::GOOD) } else { ("ONNX Runtime not found", palette::PROBLEM) };
        ui.label(RichText::new(text).color(colour));
    });
    if let Some(problem) = status.problem() {
        ui.label(RichText::new(problem).color(palette::PROBLEM));
    }
    if let Some(fault) = status.last_fault() {
        ui.label(RichText::new(format!("last fault: {fault}")).color(palette::NOW));
    }
    if let Some(rendering) = status.rendering().describe() {
        ui.label(RichText::new(rendering).color(palette::GOOD));
    }
    if let Some(stall) = status.render_stall() {
        ui.label(RichText::new(stall).color(palette::PROBLEM));
    }
    if watchdog.stalled(status) {
        let text = "the inference worker is not responding: chords hold; reopen the plugin if it does not recover";
        ui.label(RichText::new(text).color(palette::PROBLEM));
    }
}

/// Latency, misses and the take's harmony.
pub fn show(ui: &mut Ui, status: &Status, timeline: &Timeline) {
    egui::Grid::new("status").num_columns(2).spacing([16.0, 4.0]).show(ui, |ui| {
        let ms = |v: f32| if v > 0.0 { format!("{v:.2} ms") } else { "–".to_string() };
        ui.label("policy step p50 / p99");
        ui.label(format!(
            "{} / {}",
            ms(status.step_p50_ms.load(Ordering::Relaxed)),
            ms(status.step_p99_ms.load(Ordering::Relaxed))
        ));
        ui.end_row();
        ui.label("missed frames");
        ui.label(status.misses.load(Ordering::Relaxed).to_string());
        ui.end_row();
        ui.label("melody notes in the chord (this take)");
        ui.label(timeline.harmony().map_or("–".to_string(), |h| format!("{:.0}%", h * 100.0)));
        ui.end_row();
        ui.label("tempo");
        ui.label(format!("{:.1} BPM", status.tempo.load(Ordering::Relaxed)));
        ui.end_row();
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::epaint::Shape;

    /// Every text the window's title lines lay out for `status`, drawn headless.
    fn header_texts(status: &Status) -> Vec<String> {
        let context = egui::Context::default();
        let mut watchdog = Watchdog::default();
        let mut output = context.run_ui(egui::RawInput::default(), |ui| header(ui, status, &mut watchdog, false));
        output.textures_delta.clear(); // no painter here to upload the font atlas to
        fn texts(shape: &Shape, into: &mut Vec<String>) {
            match shape {
                Shape::Text(text) => into.push(text.galley.text().to_string()),
                Shape::Vec(shapes) => shapes.iter().for_each(|s| texts(s, into)),
                _ => {}
            }
        }
        let mut found = Vec::new();
        output.shapes.iter().for_each(|clipped| texts(&clipped.shape, &mut found));
        found
    }

    #[test]
    fn the_window_says_what_stops_the_model() {
        let status = Status::default();
        assert!(header_texts(&status).iter().any(|t| t == "no model playing"));
        let problem =
            "cannot load model /tmp/huge: a step state of 1 × 1099511627776 floats per stream: at most 4194304";
        status.set_problem(Some(problem.into()));
        assert!(header_texts(&status).iter().any(|t| t == problem), "{:?}", header_texts(&status));
    }
}
