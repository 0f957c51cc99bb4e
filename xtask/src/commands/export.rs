//! `cargo xtask export`: the trained online policy → ONNX step model + model card in
//! `models/`, checked by loading it in ONNX Runtime; `cargo xtask export chord-encoder`:
//! the contrastive reward's chord tower, which the evaluation's diversity score uses.

use super::ort;
use crate::paths;
use anyhow::Context;
use comper_inference::{ChordEncoder, ModelCard, OnnxPolicy, environment};
use comper_music::Part;
use comper_train::export::card::Naming;
use comper_train::export::{chord_encoder, policy};
use comper_train::run_record::TrainedRun;
use std::path::{Path, PathBuf};

/// What to export.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Exported {
    /// The online policy's step model (a `policy` or RL run).
    Policy,
    /// The melody agent's step model (a `melody-agent` or `melody-rl` run): the evaluation's
    /// partner.
    MelodyAgent,
    /// The chord tower of the contrastive reward model (a `contrastive` run).
    ChordEncoder,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(value_enum, default_value = "policy")]
    what: Exported,
    /// Training run folder [default: target/comper/runs/policy, …/melody-agent or …/contrastive]
    #[arg(long)]
    run: Option<PathBuf>,
    /// Output folder [default: models/online-mle, models/melody-agent or models/chord-encoder]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Name shown to users [default: Online MLE]
    #[arg(long)]
    name: Option<String>,
    /// One line on what the model is [default: the Online MLE's]
    #[arg(long)]
    description: Option<String>,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let (model, folder) = match args.what {
        Exported::Policy => ("policy", "online-mle"),
        Exported::MelodyAgent => ("melody-agent", "melody-agent"),
        Exported::ChordEncoder => ("contrastive", "chord-encoder"),
    };
    let root = paths::workspace_root();
    let models: &[&str] = match model {
        "policy" | "melody-agent" => &[model, "rl"],
        _ => &[model],
    };
    let run = TrainedRun::open(&args.run.unwrap_or_else(|| root.join("target/comper/runs").join(model)), models)
        .map_err(anyhow::Error::msg)?;
    let out = args.out.unwrap_or_else(|| root.join("models").join(folder));
    std::fs::create_dir_all(&out)?;
    let naming = Naming { name: args.name, description: args.description };
    match args.what {
        Exported::Policy => export_policy(&run, &out, Part::Chords, naming),
        Exported::MelodyAgent => export_policy(&run, &out, Part::Melody, naming),
        Exported::ChordEncoder => export_chord_encoder(&run, &out),
    }
}

fn export_policy(run: &TrainedRun, out: &Path, part: Part, naming: Naming) -> anyhow::Result<()> {
    let (card, onnx) = policy::export_run(run, part, naming).map_err(anyhow::Error::msg)?;
    let bytes = onnx.len();
    publish(out, &[("model.onnx", onnx), ("card.json", serde_json::to_vec_pretty(&card)?)], |dir| {
        let library = ort::provision()?;
        let card = ModelCard::load(&dir.join("card.json"))?;
        let mut session = OnnxPolicy::load(environment(&library)?, &dir.join("model.onnx"), card)?;
        session.reset(1);
        let logits = session.step(&[comper_music::Token::BOS.id() as i64])?;
        anyhow::ensure!(logits.iter().all(|v| v.is_finite()), "the exported model produced non-finite logits");
        Ok(())
    })?;
    println!("exported model.onnx ({bytes} bytes) and its card to {}", out.display());
    Ok(())
}

/// Write a model folder's `files` into a staging folder beside `out`, `check` them there,
/// and only then move them into `out`: an export that fails leaves the model that was there.
fn publish(
    out: &Path,
    files: &[(&str, Vec<u8>)],
    check: impl FnOnce(&Path) -> anyhow::Result<()>,
) -> anyhow::Result<()> {
    let name = out.file_name().with_context(|| format!("{} is not a folder name", out.display()))?;
    let staging = out.with_file_name(format!(".{}.export", name.to_string_lossy()));
    if staging.exists() {
        std::fs::remove_dir_all(&staging)?;
    }
    std::fs::create_dir_all(&staging)?;
    for (file, bytes) in files {
        std::fs::write(staging.join(file), bytes)?;
    }
    check(&staging).with_context(|| {
        format!("the export in {} failed its check; {} is unchanged", staging.display(), out.display())
    })?;
    std::fs::create_dir_all(out)?;
    for (file, _) in files {
        std::fs::rename(staging.join(file), out.join(file))?;
    }
    std::fs::remove_dir(&staging)?;
    Ok(())
}

fn export_chord_encoder(run: &TrainedRun, out: &Path) -> anyhow::Result<()> {
    let (card, onnx) = chord_encoder::export_run(run).map_err(anyhow::Error::msg)?;
    publish(out, &[("model.onnx", onnx), ("card.json", serde_json::to_vec_pretty(&card)?)], |dir| {
        let library = ort::provision()?;
        let mut encoder = ChordEncoder::load(environment(&library)?, dir)?;
        let probe = [comper_music::Token::SILENCE; 16];
        let embedding = encoder.embed(&[&probe])?;
        let norm = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
        anyhow::ensure!((norm - 1.0).abs() < 1e-3, "the exported encoder's embedding has norm {norm}, not 1");
        Ok(())
    })?;
    println!("exported the chord encoder and its card to {}", out.display());
    Ok(())
}
