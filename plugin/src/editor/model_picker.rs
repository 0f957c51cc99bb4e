//! The model picker: the shipped checkpoints and any folder the user adds. Choosing one sets
//! the persisted model choice; the worker loads it off the audio thread and the music goes on
//! with the old model until the new one is ready.

use crate::params::ModelChoice;
use crate::resources;
use comper_inference::ModelCard;
use comper_inference::card::policy_folders;
use comper_music::Part;
use egui::{RichText, Ui};
use std::path::{Path, PathBuf};

#[derive(Default)]
pub struct ModelPicker {
    /// (folder, "name version") of every model offered.
    models: Vec<(PathBuf, String)>,
    /// The folder typed into "Add".
    typed: String,
    /// Why the last added folder was refused.
    refused: Option<String>,
}

impl ModelPicker {
    /// Look for the shipped models again (the window was opened).
    pub fn refresh(&mut self) {
        let shipped = resources::resources_dir().map(|d| d.join("models"));
        let folders = shipped.and_then(|d| policy_folders(&d).ok()).unwrap_or_default();
        let added: Vec<PathBuf> = self.models.iter().map(|(p, _)| p.clone()).filter(|p| !folders.contains(p)).collect();
        self.models =
            folders.into_iter().chain(added).filter_map(|p| describe(&p).ok().map(|name| (p, name))).collect();
    }

    /// (folder, "name version") of every model offered.
    pub fn models(&self) -> &[(PathBuf, String)] {
        &self.models
    }

    pub fn show(&mut self, ui: &mut Ui, choice: &ModelChoice) {
        ui.strong("Model");
        let chosen = choice.path();
        let shown = if chosen.is_empty() {
            format!("default ({})", resources::DEFAULT_MODEL)
        } else {
            self.models.iter().find(|(p, _)| p == Path::new(&chosen)).map_or(chosen.clone(), |(_, n)| n.clone())
        };
        egui::ComboBox::from_id_salt("model").selected_text(shown).width(260.0).show_ui(ui, |ui| {
            if ui.selectable_label(chosen.is_empty(), "default").clicked() && !chosen.is_empty() {
                choice.choose(String::new());
            }
            for (path, name) in &self.models {
                let path = path.display().to_string();
                if ui.selectable_label(path == chosen, name).clicked() && path != chosen {
                    choice.choose(path);
                }
            }
        });
        ui.horizontal(|ui| {
            ui.add(egui::TextEdit::singleline(&mut self.typed).hint_text("model folder").desired_width(200.0));
            if ui.button("Add").clicked() {
                self.add(choice);
            }
        });
        if let Some(why) = &self.refused {
            ui.label(RichText::new(why).color(super::palette::PROBLEM));
        }
    }

    /// Offer and choose the typed folder if its card is one Comper can play.
    fn add(&mut self, choice: &ModelChoice) {
        let path = PathBuf::from(self.typed.trim());
        match describe(&path) {
            Ok(name) => {
                self.refused = None;
                if !self.models.iter().any(|(p, _)| *p == path) {
                    self.models.push((path.clone(), name));
                }
                choice.choose(path.display().to_string());
            }
            Err(why) => self.refused = Some(why),
        }
    }
}

/// "name version" of a playable model folder, or why it cannot be played.
fn describe(folder: &Path) -> Result<String, String> {
    let (_, card_path) = resources::model_files(folder);
    let card = ModelCard::load(&card_path).map_err(|e| format!("{}: {e}", card_path.display()))?;
    card.check_plays(Part::Chords).map_err(|e| format!("{}: {e}", folder.display()))?;
    Ok(format!("{} {}", card.name, card.version))
}
