//! `cargo xtask export`: the trained online policy → ONNX step model + model card in
//! `models/`, checked by loading it in ONNX Runtime.

use super::ort;
use crate::paths;
use anyhow::Context;
use comper_inference::{ModelCard, OnnxPolicy, environment};
use comper_train::checkpoint;
use comper_train::export::card::{CardText, policy_card};
use comper_train::export::policy::export_checkpoint;
use comper_train::models::policy::PolicyConfig;
use comper_train::trainer::RunState;
use std::path::PathBuf;

/// What `cargo xtask train` records about a run next to its checkpoints.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct RunInfo {
    pub model: String,
    pub config: serde_json::Value,
    pub window: usize,
    pub data_seed: u64,
    pub command: String,
}

#[derive(clap::Args)]
pub struct ExportArgs {
    /// Run folder of a `policy` training run [default: target/comper/runs/policy]
    #[arg(long)]
    run: Option<PathBuf>,
    /// Output folder [default: models/online-mle]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Name shown to users.
    #[arg(long, default_value = "Online MLE")]
    name: String,
    #[arg(long, default_value = "The online policy pre-trained by maximum likelihood on POP909 and Nottingham.")]
    description: String,
}

pub fn run(args: ExportArgs) -> anyhow::Result<()> {
    let run = args.run.unwrap_or_else(|| paths::workspace_root().join("target/comper/runs/policy"));
    let out = args.out.unwrap_or_else(|| paths::workspace_root().join("models/online-mle"));
    let info: RunInfo = serde_json::from_str(
        &std::fs::read_to_string(run.join("run.json"))
            .with_context(|| format!("{} is not a training run", run.display()))?,
    )?;
    anyhow::ensure!(info.model == "policy", "only the GRU policy exports to ONNX (this run trained '{}')", info.model);
    let config: PolicyConfig = serde_json::from_value(info.config.clone())?;
    let dir = checkpoint::latest(&run).with_context(|| format!("{} has no checkpoint", run.display()))?;
    let state: RunState = serde_json::from_str(&std::fs::read_to_string(dir.join("state.json"))?)?;
    let mut metrics = state.last_valid().cloned().unwrap_or_default();
    metrics.insert("parameters".into(), state.parameters as f64);
    metrics.insert("training_steps".into(), state.step as f64);
    metrics.insert("training_seconds".into(), state.seconds);
    metrics.insert("training_tokens_per_second".into(), state.tokens_per_second());
    let card = policy_card(
        &config,
        CardText {
            name: args.name,
            version: format!("{}-step{}", env!("CARGO_PKG_VERSION"), state.step),
            description: args.description,
            window: info.window,
            training: serde_json::json!({
                "data": ["pop909", "nottingham"],
                "split": { "seed": info.data_seed, "ratios": [0.8, 0.1, 0.1], "manifest": "target/comper/data/manifest.json" },
                "augmentation": "transposition -6..+6 semitones per window",
                "objective": "next-token cross-entropy on every token of the chord-first interleaved stream",
                "settings": state.settings,
                "model": info.config,
            }),
            metrics,
            command: info.command,
        },
    );
    std::fs::create_dir_all(&out)?;
    let model_path = out.join("model.onnx");
    std::fs::write(&model_path, export_checkpoint(&dir, &config, &card.io)?)?;
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
