//! The evaluator's panel: pick two models, play blind takes under A and B, read the per-take
//! metrics, reveal, export the session for `cargo xtask eval`.

use crate::blind::{BlindSession, Label};
use crate::capture;
use crate::params::ComperParams;
use crate::worker::{Status, Timeline};
use egui::{RichText, Ui};
use std::path::PathBuf;
use std::sync::atomic::Ordering;
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Default)]
pub struct BlindPanel {
    /// The two folders chosen for the next session.
    chosen: [Option<PathBuf>; 2],
    session: Option<BlindSession>,
    /// The model choice before the session, restored when it closes.
    before: String,
    /// Where the last export went, or why it failed.
    exported: Option<Result<PathBuf, String>>,
}

impl BlindPanel {
    /// True while a session hides which model plays.
    pub fn is_blind(&self) -> bool {
        self.session.is_some()
    }

    pub fn show(
        &mut self,
        ui: &mut Ui,
        models: &[(PathBuf, String)],
        timeline: &Timeline,
        params: &ComperParams,
        status: &Status,
    ) {
        match self.session.as_mut() {
            None => self.choose(ui, models, params),
            Some(session) => {
                let tempo = status.tempo.load(Ordering::Relaxed);
                let mut close = false;
                ui.horizontal(|ui| {
                    for label in [Label::A, Label::B] {
                        let text = format!("Play {label:?}");
                        if ui.selectable_label(session.playing() == Some(label), text).clicked() {
                            session.switch(label, timeline, tempo);
                            params.model.choose(session.model_for(label).to_string());
                        }
                    }
                    if ui.button("End take").clicked() {
                        session.end_take(timeline, tempo);
                    }
                    if ui.button("Reveal").clicked() {
                        session.end_take(timeline, tempo);
                        session.reveal();
                    }
                    if ui.button("Export").clicked() {
                        let seconds = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
                        let exported = match capture::default_folder() {
                            Some(folder) => session
                                .export(&folder, &format!("blind-{seconds}"))
                                .map_err(|e| format!("cannot export into {}: {e}", folder.display())),
                            None => Err(capture::NO_HOME.to_string()),
                        };
                        self.exported = Some(exported);
                    }
                    close = ui.button("Close").on_hover_text("back to the model chosen before").clicked();
                });
                takes_table(ui, session);
                if close {
                    self.session = None;
                    params.model.choose(std::mem::take(&mut self.before));
                }
                match &self.exported {
                    Some(Ok(path)) => ui.label(format!("exported {}", path.display())),
                    Some(Err(why)) => ui.label(RichText::new(why).color(super::palette::PROBLEM)),
                    None => ui.label(" "),
                };
            }
        }
    }

    /// Pick the two models and start.
    fn choose(&mut self, ui: &mut Ui, models: &[(PathBuf, String)], params: &ComperParams) {
        ui.label("Compare two models blind: they are hidden behind A and B until you reveal them.");
        ui.horizontal(|ui| {
            for (slot, id) in self.chosen.iter_mut().zip(["first", "second"]) {
                let shown =
                    slot.as_ref().and_then(|p| models.iter().find(|(m, _)| m == p)).map_or("choose…", |(_, n)| n);
                egui::ComboBox::from_id_salt(id).selected_text(shown).width(200.0).show_ui(ui, |ui| {
                    for (path, name) in models {
                        ui.selectable_value(slot, Some(path.clone()), name);
                    }
                });
            }
            let ready = matches!(&self.chosen, [Some(a), Some(b)] if a != b);
            if ui.add_enabled(ready, egui::Button::new("Start")).clicked()
                && let [Some(a), Some(b)] = &self.chosen
            {
                let seed = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
                let models = [a.display().to_string(), b.display().to_string()];
                self.session = Some(BlindSession::new(models, seed));
                self.before = params.model.path();
                self.exported = None;
            }
        });
    }
}

fn takes_table(ui: &mut Ui, session: &BlindSession) {
    let percent = |v: Option<f32>| v.map_or("–".to_string(), |v| format!("{:.0}%", v * 100.0));
    egui::Grid::new("takes").num_columns(6).spacing([14.0, 2.0]).striped(true).show(ui, |ui| {
        for head in ["take", "model", "harmony", "chords", "changes/bar", "after key changes"] {
            ui.strong(head);
        }
        ui.end_row();
        for (i, take) in session.takes().iter().enumerate() {
            ui.label((i + 1).to_string());
            ui.label(
                session.name_of(take.label).map_or(format!("{:?}", take.label), |n| format!("{:?} = {n}", take.label)),
            );
            ui.label(percent(take.harmony));
            ui.label(take.unique_chords.to_string());
            ui.label(format!("{:.2}", take.changes_per_bar));
            ui.label(format!("{} ({})", percent(take.harmony_after_key_changes), take.key_changes));
            ui.end_row();
        }
    });
}
