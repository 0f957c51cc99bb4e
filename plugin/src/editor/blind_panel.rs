//! The evaluator's panel: pick two models, then trial by trial play blind takes under A and
//! B, read their metrics and vote; reveal at the end. Everything is logged as it happens in
//! the session's folder (see `crate::blind`), for `cargo xtask eval --ab-results`.

use crate::blind::{BlindSession, Label};
use crate::capture;
use crate::link::{Status, Timeline};
use crate::params::ComperParams;
use comper_music::listening::Preference;
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
    /// The note that goes with the next vote.
    note: String,
    /// Why the last action could not be logged or the session could not start.
    problem: Option<String>,
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
                let mut done: std::io::Result<()> = Ok(());
                ui.horizontal(|ui| {
                    ui.strong(format!("Trial {}", session.trial()));
                    for label in [Label::A, Label::B] {
                        let text = format!("Play {label:?}");
                        if ui.selectable_label(session.playing() == Some(label), text).clicked() {
                            done = session.switch(label, timeline, tempo);
                            params.model.choose(session.model_for(label).to_string());
                        }
                    }
                    if ui.button("End take").clicked() {
                        done = session.end_take(timeline, tempo);
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("Which did you prefer?");
                    for (preferred, text) in
                        [(Preference::A, "A"), (Preference::B, "B"), (Preference::NoPreference, "No preference")]
                    {
                        if ui.button(text).on_hover_text("ends the trial; the next draws A and B anew").clicked() {
                            done = session.vote(preferred, &std::mem::take(&mut self.note), timeline, tempo);
                        }
                    }
                    ui.add(
                        egui::TextEdit::singleline(&mut self.note).hint_text("a note (optional)").desired_width(200.0),
                    );
                });
                ui.horizontal(|ui| {
                    if ui.button("Reveal").clicked() {
                        done = session.reveal(timeline, tempo);
                    }
                    close = ui.button("Close").on_hover_text("back to the model chosen before").clicked();
                    ui.label(format!("logged in {}", session.folder().display()));
                });
                if let Err(e) = done {
                    self.problem = Some(format!("cannot log into {}: {e}", session.folder().display()));
                }
                takes_table(ui, session);
                if close {
                    self.session = None;
                    params.model.choose(std::mem::take(&mut self.before));
                }
            }
        }
        if let Some(problem) = &self.problem {
            ui.label(RichText::new(problem).color(super::palette::PROBLEM));
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
                let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
                let models = [a.display().to_string(), b.display().to_string()];
                let started = match capture::default_folder() {
                    Some(folder) => {
                        BlindSession::start(models, now.as_nanos() as u64, &folder, &format!("blind-{}", now.as_secs()))
                            .map_err(|e| format!("cannot start a session in {}: {e}", folder.display()))
                    }
                    None => Err(capture::NO_HOME.to_string()),
                };
                match started {
                    Ok(session) => {
                        self.session = Some(session);
                        self.before = params.model.path();
                        self.problem = None;
                    }
                    Err(problem) => self.problem = Some(problem),
                }
            }
        });
    }
}

fn takes_table(ui: &mut Ui, session: &BlindSession) {
    let percent = |v: Option<f32>| v.map_or("–".to_string(), |v| format!("{:.0}%", v * 100.0));
    let voted = |trial: u32| {
        session.votes().iter().find(|v| v.0 == trial).map_or("", |v| match v.1 {
            Preference::A => "A",
            Preference::B => "B",
            Preference::NoPreference => "none",
        })
    };
    egui::Grid::new("takes").num_columns(7).spacing([14.0, 2.0]).striped(true).show(ui, |ui| {
        for head in ["trial", "label", "harmony", "chords", "changes/bar", "after key changes", "vote"] {
            ui.strong(head);
        }
        ui.end_row();
        for log in session.takes() {
            let take = &log.metrics;
            ui.label(log.trial.to_string());
            let revealed = session.name_of(log.trial, take.label);
            ui.label(revealed.map_or(format!("{:?}", take.label), |n| format!("{:?} = {n}", take.label)));
            ui.label(percent(take.harmony));
            ui.label(take.unique_chords.to_string());
            ui.label(format!("{:.2}", take.changes_per_bar));
            ui.label(format!("{} ({})", percent(take.harmony_after_key_changes), take.key_changes));
            ui.label(voted(log.trial));
            ui.end_row();
        }
    });
}
