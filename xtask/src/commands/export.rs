//! `cargo xtask export`: the trained online policy → ONNX step model + model card in
//! `models/`, checked by loading it in ONNX Runtime; `cargo xtask export chord-encoder`:
//! the contrastive reward's chord tower, which the evaluation's diversity score uses.

use super::ort;
use crate::paths;
use anyhow::Context;
use comper_inference::{ChordEncoder, ModelCard, OnnxPolicy, environment};
use comper_train::checkpoint;
use comper_train::export::card::{CardText, chord_encoder_card, policy_card};
use comper_train::export::chord_encoder;
use comper_train::export::policy;
use comper_train::models::contrastive::ContrastiveConfig;
use comper_train::models::policy::PolicyConfig;
use comper_train::trainer::RunState;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What `cargo xtask train` records about a run next to its checkpoints.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct RunInfo {
    pub model: String,
    pub config: serde_json::Value,
    pub window: usize,
    pub data_seed: u64,
    pub command: String,
}

/// What to export.
#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Exported {
    /// The online policy's step model (a `policy` run).
    Policy,
    /// The chord tower of the contrastive reward model (a `contrastive` run).
    ChordEncoder,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    #[arg(value_enum, default_value = "policy")]
    what: Exported,
    /// Training run folder [default: target/comper/runs/policy or …/contrastive]
    #[arg(long)]
    run: Option<PathBuf>,
    /// Output folder [default: models/online-mle or models/chord-encoder]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Name shown to users [default: Online MLE]
    #[arg(long)]
    name: Option<String>,
    /// One line on what the model is [default: the Online MLE's]
    #[arg(long)]
    description: Option<String>,
}

/// A finished training run: what it trained, its latest checkpoint and that checkpoint's state.
struct TrainedRun {
    info: RunInfo,
    checkpoint: PathBuf,
    state: RunState,
}

impl TrainedRun {
    fn open(run: &Path, model: &str) -> anyhow::Result<TrainedRun> {
        let info: RunInfo = serde_json::from_str(
            &std::fs::read_to_string(run.join("run.json"))
                .with_context(|| format!("{} is not a training run", run.display()))?,
        )?;
        anyhow::ensure!(info.model == model, "{} trained '{}', not '{model}'", run.display(), info.model);
        let checkpoint = checkpoint::latest(run).with_context(|| format!("{} has no checkpoint", run.display()))?;
        let state: RunState = serde_json::from_str(&std::fs::read_to_string(checkpoint.join("state.json"))?)?;
        Ok(TrainedRun { info, checkpoint, state })
    }

    /// The checkpoint's last validation metrics and its training totals.
    fn metrics(&self) -> BTreeMap<String, f64> {
        let state = &self.state;
        let mut metrics = state.last_valid().cloned().unwrap_or_default();
        metrics.insert("parameters".into(), state.parameters as f64);
        metrics.insert("training_steps".into(), state.step as f64);
        metrics.insert("training_seconds".into(), state.seconds);
        metrics.insert("training_tokens_per_second".into(), state.tokens_per_second());
        metrics
    }
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let (model, folder) = match args.what {
        Exported::Policy => ("policy", "online-mle"),
        Exported::ChordEncoder => ("contrastive", "chord-encoder"),
    };
    let root = paths::workspace_root();
    let run = TrainedRun::open(&args.run.unwrap_or_else(|| root.join("target/comper/runs").join(model)), model)?;
    let out = args.out.unwrap_or_else(|| root.join("models").join(folder));
    std::fs::create_dir_all(&out)?;
    match args.what {
        Exported::Policy => export_policy(&run, &out, args.name, args.description),
        Exported::ChordEncoder => export_chord_encoder(&run, &out),
    }
}

fn export_policy(
    run: &TrainedRun,
    out: &Path,
    name: Option<String>,
    description: Option<String>,
) -> anyhow::Result<()> {
    let TrainedRun { info, checkpoint: dir, state } = run;
    let config: PolicyConfig = serde_json::from_value(info.config.clone())?;
    let card = policy_card(
        &config,
        CardText {
            name: name.unwrap_or_else(|| "Online MLE".into()),
            version: format!("{}-step{}", env!("CARGO_PKG_VERSION"), state.step),
            description: description.unwrap_or_else(|| {
                "The online policy pre-trained by maximum likelihood on POP909 and Nottingham.".into()
            }),
            window: info.window,
            training: serde_json::json!({
                "data": ["pop909", "nottingham"],
                "split": { "seed": info.data_seed, "ratios": [0.8, 0.1, 0.1], "manifest": "target/comper/data/manifest.json" },
                "augmentation": "transposition -6..+6 semitones per window",
                "objective": "next-token cross-entropy on every token of the chord-first interleaved stream",
                "settings": state.settings,
                "model": info.config,
            }),
            metrics: run.metrics(),
            command: info.command.clone(),
        },
    );
    let model_path = out.join("model.onnx");
    std::fs::write(&model_path, policy::export_checkpoint(dir, &config, &card.io)?)?;
    card.save(&out.join("card.json"))?;
    let library = ort::provision()?;
    let mut session = OnnxPolicy::load(environment(&library)?, &model_path, ModelCard::load(&out.join("card.json"))?)?;
    session.reset(1);
    let logits = session.step(&[comper_music::Token::BOS.id() as i64])?;
    anyhow::ensure!(logits.iter().all(|v| v.is_finite()), "the exported model produced non-finite logits");
    println!(
        "exported {} ({} bytes) and its card to {}",
        model_path.display(),
        std::fs::metadata(&model_path)?.len(),
        out.display()
    );
    Ok(())
}

fn export_chord_encoder(run: &TrainedRun, out: &Path) -> anyhow::Result<()> {
    let config: ContrastiveConfig = serde_json::from_value(run.info.config.clone())?;
    let card = chord_encoder_card(
        &config,
        CardText {
            name: "Contrastive chord encoder".into(),
            version: format!("{}-step{}", env!("CARGO_PKG_VERSION"), run.state.step),
            description:
                "The chord tower of the contrastive melody/chord reward model: a chord track → a unit vector. \
                          The evaluation's Vendi diversity score is computed on these embeddings."
                    .into(),
            window: run.info.window,
            training: serde_json::json!({
                "data": ["pop909", "nottingham"],
                "split": { "seed": run.info.data_seed, "ratios": [0.8, 0.1, 0.1] },
                "augmentation": "transposition -6..+6 semitones per window",
                "objective": "symmetric InfoNCE between the melody and chord towers over the batch",
                "settings": run.state.settings,
                "model": run.info.config,
            }),
            metrics: run.metrics(),
            command: run.info.command.clone(),
        },
    );
    std::fs::write(out.join("model.onnx"), chord_encoder::export_checkpoint(&run.checkpoint, &config, &card.io)?)?;
    card.save(&out.join("card.json"))?;
    let library = ort::provision()?;
    let mut encoder = ChordEncoder::load(environment(&library)?, out)?;
    let probe = [comper_music::Token::SILENCE; 16];
    let embedding = encoder.embed(&[&probe])?;
    let norm = embedding.iter().map(|v| v * v).sum::<f32>().sqrt();
    anyhow::ensure!((norm - 1.0).abs() < 1e-3, "the exported encoder's embedding has norm {norm}, not 1");
    println!("exported the chord encoder and its card to {}", out.display());
    Ok(())
}
