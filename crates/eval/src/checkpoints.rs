//! The checkpoints an evaluation plays: model folders (model.onnx + card.json), checked to
//! play the part asked of them, and named apart in the report.

use anyhow::{Context, bail};
use comper_inference::ModelCard;
use comper_inference::card::policy_folders;
use comper_music::Part;
use std::path::{Path, PathBuf};

/// A model to evaluate.
pub struct Checkpoint {
    pub dir: PathBuf,
    pub card: ModelCard,
}

impl Checkpoint {
    /// The model in `dir`, which must play `part`.
    pub fn load(dir: &Path, part: Part) -> anyhow::Result<Checkpoint> {
        let card = ModelCard::load(&dir.join("card.json"))?;
        card.check_plays(part)?;
        Ok(Checkpoint { card, dir: dir.to_path_buf() })
    }

    pub fn model(&self) -> PathBuf {
        self.dir.join("model.onnx")
    }
}

/// Every policy in `models` (the chord encoder and the melody agent are left out).
pub fn shipped_policies(models: &Path) -> anyhow::Result<Vec<Checkpoint>> {
    load_policies(&policy_folders(models).with_context(|| format!("reading {}", models.display()))?)
}

/// The chord policies in `dirs`; at least one.
pub fn load_policies(dirs: &[PathBuf]) -> anyhow::Result<Vec<Checkpoint>> {
    let checkpoints: Vec<Checkpoint> =
        dirs.iter().map(|dir| Checkpoint::load(dir, Part::Chords)).collect::<anyhow::Result<_>>()?;
    if checkpoints.is_empty() {
        bail!("no model to evaluate: pass --model DIR (a folder with model.onnx and card.json)");
    }
    Ok(checkpoints)
}

/// The card's name, numbered when several checkpoints share it.
pub fn unique_name(index: usize, all: &[Checkpoint]) -> String {
    let name = &all[index].card.name;
    let same: Vec<usize> = (0..all.len()).filter(|&j| all[j].card.name == *name).collect();
    match same.iter().position(|&j| j == index) {
        Some(k) if same.len() > 1 => format!("{name} ({})", k + 1),
        _ => name.to_string(),
    }
}
