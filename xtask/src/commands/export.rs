//! `cargo xtask export`: the trained online policy → ONNX step model + model card in
//! `models/`, checked by loading it in ONNX Runtime; `cargo xtask export chord-encoder`:
//! the contrastive reward's chord tower, which the evaluation's diversity score uses.

use super::ort;
use crate::paths;
use anyhow::Context;
use comper_inference::{ChordEncoder, ModelCard, OnnxPolicy, environment};
use comper_music::Part;
use comper_train::export::card::{CardText, chord_encoder_card, policy_card};
use comper_train::export::chord_encoder;
use comper_train::export::policy::{self, TrainedBy};
use comper_train::models::contrastive::ContrastiveConfig;
use comper_train::models::policy::PolicyConfig;
use comper_train::run_record::{Record, TrainedRun};
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
    match args.what {
        Exported::Policy => export_policy(&run, &out, Part::Chords, args.name, args.description),
        Exported::MelodyAgent => export_policy(&run, &out, Part::Melody, args.name, args.description),
        Exported::ChordEncoder => export_chord_encoder(&run, &out),
    }
}

fn export_policy(
    run: &TrainedRun,
    out: &Path,
    part: Part,
    name: Option<String>,
    description: Option<String>,
) -> anyhow::Result<()> {
    let info = &run.info;
    if let Record::Rl(state) = &run.record {
        anyhow::ensure!(
            state.settings.part == part,
            "{} post-trained the {:?} part, not the {part:?} part",
            run.checkpoint.display(),
            state.settings.part
        );
    }
    let config: PolicyConfig = run.config().map_err(anyhow::Error::msg)?;
    let trained_by = match &run.record {
        Record::Supervised(_) => TrainedBy::Mle,
        Record::Rl(_) => TrainedBy::Rl,
    };
    let objective: String = match &run.record {
        Record::Supervised(_) => {
            format!("next-token cross-entropy on every token of the interleaved stream, {part:?} first").to_lowercase()
        }
        Record::Rl(state) => format!(
            "PPO post-training of the {} pre-trained by MLE: contrastive and pair-discriminative rewards (frozen), rule \
             penalties, per-token KL to the offline teacher (beta {}), entropy bonus {}{}",
            match part {
                Part::Chords => "online policy",
                Part::Melody => "melody agent (roles swapped: its teacher hears the chords)",
            },
            state.settings.kl,
            state.settings.entropy,
            if state.settings.adversarial {
                ", adversarial reward from a co-evolving chord discriminator (GAPT)"
            } else {
                ""
            }
        ),
    };
    let (default_name, default_description) = match (part, trained_by) {
        (Part::Chords, TrainedBy::Mle) => {
            ("Online MLE", "The online policy pre-trained by maximum likelihood on the sources its card lists.")
        }
        (Part::Chords, TrainedBy::Rl) => (
            "RL post-trained",
            "The online policy post-trained with PPO from a model pre-trained by maximum likelihood; its card's \
             objective says which arm.",
        ),
        (Part::Melody, TrainedBy::Mle) => (
            "Melody agent (MLE)",
            "A melody player trained by maximum likelihood on the sources its card lists, melody first in each frame: \
             the partner the evaluation's co-adaptation test accompanies.",
        ),
        (Part::Melody, TrainedBy::Rl) => (
            "Melody agent (RL)",
            "The MLE melody agent post-trained with the RL-only recipe, roles swapped (it plays against the \
             data's chord tracks): the partner the evaluation's co-adaptation test accompanies.",
        ),
    };
    let card = policy_card(
        &config,
        part,
        CardText {
            name: name.unwrap_or_else(|| default_name.into()),
            version: format!("{}-step{}", env!("CARGO_PKG_VERSION"), run.steps()),
            description: description.unwrap_or_else(|| default_description.into()),
            window: info.window,
            training: serde_json::json!({
                "data": info.data,
                "split": { "seed": info.data_seed, "ratios": [0.8, 0.1, 0.1], "manifest": "target/comper/data/manifest.json" },
                "augmentation": info.augmentation,
                "objective": objective,
                "settings": run.settings(),
                "model": info.config,
            }),
            metrics: run.metrics(),
            command: info.command.clone(),
        },
    );
    let onnx = policy::export_checkpoint(&run.checkpoint, &config, &card.io, trained_by)?;
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
    let config: ContrastiveConfig = serde_json::from_value(run.info.config.clone())?;
    let card = chord_encoder_card(
        &config,
        CardText {
            name: "Contrastive chord encoder".into(),
            version: format!("{}-step{}", env!("CARGO_PKG_VERSION"), run.steps()),
            description:
                "The chord tower of the contrastive melody/chord reward model: a chord track → a unit vector. \
                          The evaluation's Vendi diversity score is computed on these embeddings."
                    .into(),
            window: run.info.window,
            training: serde_json::json!({
                "data": run.info.data,
                "split": { "seed": run.info.data_seed, "ratios": [0.8, 0.1, 0.1] },
                "augmentation": run.info.augmentation,
                "objective": "symmetric InfoNCE between the melody and chord towers over the batch",
                "settings": run.settings(),
                "model": run.info.config,
            }),
            metrics: run.metrics(),
            command: run.info.command.clone(),
        },
    );
    let onnx = chord_encoder::export_checkpoint(&run.checkpoint, &config, &card.io)?;
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
