//! `cargo xtask export`: the trained online policy → ONNX step model + model card in
//! `models/`, checked by loading it in ONNX Runtime; `cargo xtask export chord-encoder`:
//! the contrastive reward's chord tower, which the evaluation's diversity score uses.

use super::ort;
use crate::paths;
use anyhow::Context;
use comper_data::windows::Augment;
use comper_inference::{ChordEncoder, ModelCard, OnnxPolicy, environment};
use comper_music::Part;
use comper_train::checkpoint;
use comper_train::export::card::{CardText, chord_encoder_card, policy_card};
use comper_train::export::chord_encoder;
use comper_train::export::policy::{self, TrainedBy};
use comper_train::models::contrastive::ContrastiveConfig;
use comper_train::models::policy::PolicyConfig;
use comper_train::rl::state::RlState;
use comper_train::trainer::RunState;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `cargo xtask train` records about a run next to its checkpoints.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct RunInfo {
    pub model: String,
    pub config: serde_json::Value,
    pub window: usize,
    /// The sources the run trained on (runs from before it: POP909 and Nottingham, all there was).
    #[serde(default = "pop909_and_nottingham")]
    pub data: Vec<String>,
    pub data_seed: u64,
    pub command: String,
    /// How the training windows were varied; runs from before key changes only transposed.
    #[serde(default = "transposition_only")]
    pub augmentation: String,
}

fn pop909_and_nottingham() -> Vec<String> {
    vec!["pop909".into(), "nottingham".into()]
}

fn transposition_only() -> String {
    Augment { key_change: 0.0, ..Augment::TRAINING }.describe()
}

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

/// The record a checkpoint keeps: a supervised run's or an RL run's.
enum Record {
    Supervised(RunState),
    Rl(RlState),
}

/// A finished training run: what it trained, its latest checkpoint and that checkpoint's record.
struct TrainedRun {
    info: RunInfo,
    checkpoint: PathBuf,
    record: Record,
}

impl TrainedRun {
    /// The run in `run`, which must have trained one of `models`.
    fn open(run: &Path, models: &[&str]) -> anyhow::Result<TrainedRun> {
        let info: RunInfo = serde_json::from_str(
            &std::fs::read_to_string(run.join("run.json"))
                .with_context(|| format!("{} is not a training run", run.display()))?,
        )?;
        anyhow::ensure!(
            models.contains(&info.model.as_str()),
            "{} trained '{}', not {models:?}",
            run.display(),
            info.model
        );
        let checkpoint = checkpoint::latest(run).with_context(|| format!("{} has no checkpoint", run.display()))?;
        let text = std::fs::read_to_string(checkpoint.join("state.json"))?;
        let record = match info.model.as_str() {
            "rl" => Record::Rl(serde_json::from_str(&text)?),
            _ => Record::Supervised(serde_json::from_str(&text)?),
        };
        Ok(TrainedRun { info, checkpoint, record })
    }

    /// Optimizer steps (supervised) or PPO updates (RL) the checkpoint has done.
    fn steps(&self) -> u64 {
        match &self.record {
            Record::Supervised(state) => state.step,
            Record::Rl(state) => state.update,
        }
    }

    /// The settings it trained with.
    fn settings(&self) -> anyhow::Result<serde_json::Value> {
        Ok(match &self.record {
            Record::Supervised(state) => serde_json::to_value(&state.settings)?,
            Record::Rl(state) => serde_json::to_value(&state.settings)?,
        })
    }

    /// The checkpoint's last validation metrics (supervised) or last update's terms (RL),
    /// and its training totals.
    fn metrics(&self) -> anyhow::Result<BTreeMap<String, f64>> {
        let mut metrics = BTreeMap::new();
        match &self.record {
            Record::Supervised(state) => {
                metrics = state.last_valid().cloned().unwrap_or_default();
                metrics.insert("parameters".into(), state.parameters as f64);
                metrics.insert("training_seconds".into(), state.seconds);
                metrics.insert("training_tokens_per_second".into(), state.tokens_per_second());
            }
            Record::Rl(state) => {
                if let Some(serde_json::Value::Object(last)) =
                    state.rows.last().map(serde_json::to_value).transpose()?
                {
                    // The RL row's distinct chords are distinct pitches when the melody agent played.
                    let name = |k: String| match (k.as_str(), state.settings.part) {
                        ("unique_chords", Part::Melody) => "unique_pitches".to_string(),
                        _ => k,
                    };
                    metrics.extend(
                        last.into_iter().filter_map(|(k, v)| Some((format!("last_update_{}", name(k)), v.as_f64()?))),
                    );
                }
                metrics.insert("training_seconds".into(), state.seconds);
            }
        }
        metrics.insert("training_steps".into(), self.steps() as f64);
        Ok(metrics)
    }
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
    let run = TrainedRun::open(&args.run.unwrap_or_else(|| root.join("target/comper/runs").join(model)), models)?;
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
    let config: PolicyConfig = serde_json::from_value(info.config.clone())?;
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
                "settings": run.settings()?,
                "model": info.config,
            }),
            metrics: run.metrics()?,
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
                "settings": run.settings()?,
                "model": run.info.config,
            }),
            metrics: run.metrics()?,
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
