//! `cargo xtask train MODEL`: train one model on the corpus, resumably.

use crate::{corpus, paths};
use comper_data::windows::{WindowSampler, fixed_windows};
use comper_train::data::SplitFrames;
use comper_train::device::{device_name, training_device};
use comper_train::models::contrastive::ContrastiveConfig;
use comper_train::models::discriminative::DiscriminativeConfig;
use comper_train::models::policy::PolicyConfig;
use comper_train::models::teacher::TeacherConfig;
use comper_train::models::transformer::TransformerConfig;
use comper_train::tasks::contrastive::ContrastiveTask;
use comper_train::tasks::discriminative::DiscriminativeTask;
use comper_train::tasks::policy::PolicyTask;
use comper_train::tasks::teacher::TeacherTask;
use comper_train::trainer::{RunState, Task, TrainSettings, train};
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Model {
    /// The online policy (GRU): the model the plugin runs.
    Policy,
    /// A small causal transformer policy, for comparison with the GRU.
    Transformer,
    /// The offline teacher (sees the whole melody): the KL anchor for RL.
    Teacher,
    /// The contrastive reward (melody and chord towers).
    Contrastive,
    /// The pair-discriminative reward.
    Discriminative,
}

impl Model {
    fn name(self) -> &'static str {
        match self {
            Model::Policy => "policy",
            Model::Transformer => "transformer",
            Model::Teacher => "teacher",
            Model::Contrastive => "contrastive",
            Model::Discriminative => "discriminative",
        }
    }

    /// Settings sized for the 2-core CPU (see the model card for their measured cost).
    fn default_settings(self) -> TrainSettings {
        let (steps, batch_size, learning_rate) = match self {
            Model::Policy => (360, 16, 2e-3),
            Model::Transformer => (60, 8, 5e-4),
            Model::Teacher => (400, 16, 2e-3),
            Model::Contrastive => (200, 32, 1e-3),
            Model::Discriminative => (200, 16, 1e-3),
        };
        TrainSettings {
            steps,
            batch_size,
            learning_rate,
            warmup_steps: (steps / 20).max(1),
            weight_decay: 0.01,
            grad_clip_norm: 1.0,
            seed: 17,
            checkpoint_every: 25,
        }
    }
}

#[derive(clap::Args)]
pub struct TrainArgs {
    model: Model,
    /// Optimizer steps [default: per model]
    #[arg(long)]
    steps: Option<u64>,
    /// Windows per batch [default: per model]
    #[arg(long)]
    batch: Option<usize>,
    /// Peak learning rate [default: per model]
    #[arg(long)]
    lr: Option<f64>,
    /// Seed for initialization and batches.
    #[arg(long)]
    seed: Option<u64>,
    /// Window length in frames.
    #[arg(long, default_value_t = comper_data::windows::DEFAULT_WINDOW)]
    window: usize,
    /// Run folder (checkpoints, metrics, curves) [default: target/comper/runs/MODEL]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Delete the run folder's checkpoint and start over instead of resuming.
    #[arg(long)]
    fresh: bool,
    /// Folder of the data cache [default: target/comper/data]
    #[arg(long)]
    data: Option<PathBuf>,
    /// Stop (with a checkpoint) after this step; run again to continue.
    #[arg(long)]
    until: Option<u64>,
}

pub fn run(args: TrainArgs) -> anyhow::Result<()> {
    let mut settings = args.model.default_settings();
    settings.steps = args.steps.unwrap_or(settings.steps);
    settings.batch_size = args.batch.unwrap_or(settings.batch_size);
    settings.learning_rate = args.lr.unwrap_or(settings.learning_rate);
    settings.seed = args.seed.unwrap_or(settings.seed);
    settings.warmup_steps = settings.warmup_steps.min(settings.steps / 2).max(1);
    let out = args.out.unwrap_or_else(|| paths::workspace_root().join("target/comper/runs").join(args.model.name()));
    if args.fresh && out.exists() {
        std::fs::remove_dir_all(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let corpus = corpus::load_or_build(&args.data.unwrap_or_else(paths::default_cache_dir))?;
    let frames = SplitFrames::from_corpus(&corpus);
    let window = args.window;
    let sampler = WindowSampler::new(frames.train, window, true, settings.seed);
    let valid = fixed_windows(&frames.valid, window, settings.seed);
    let batch_size = settings.batch_size;
    let config = match args.model {
        Model::Policy => serde_json::to_value(PolicyConfig::default()),
        Model::Transformer => serde_json::to_value(TransformerConfig::default()),
        Model::Teacher => serde_json::to_value(TeacherConfig::default()),
        Model::Contrastive => serde_json::to_value(ContrastiveConfig::default()),
        Model::Discriminative => serde_json::to_value(DiscriminativeConfig::default()),
    }?;
    let info = super::export::RunInfo {
        model: args.model.name().into(),
        config,
        window,
        data_seed: corpus.manifest.seed,
        command: format!("cargo xtask {}", std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
    };
    std::fs::write(out.join("run.json"), serde_json::to_string_pretty(&info)?)?;
    println!(
        "training {} on {} ({} train songs, {} validation windows of {window} frames) → {}",
        args.model.name(),
        device_name(),
        sampler.len(),
        valid.len(),
        out.display()
    );
    let state = match args.model {
        Model::Policy => fit(
            args.until,
            &PolicyTask { config: PolicyConfig::default(), sampler, valid, batch_size, window },
            &settings,
            &out,
        )?,
        Model::Transformer => fit(
            args.until,
            &PolicyTask { config: TransformerConfig::default(), sampler, valid, batch_size, window },
            &settings,
            &out,
        )?,
        Model::Teacher => fit(
            args.until,
            &TeacherTask { config: TeacherConfig::default(), sampler, valid, batch_size, window },
            &settings,
            &out,
        )?,
        Model::Contrastive => fit(
            args.until,
            &ContrastiveTask { config: ContrastiveConfig::default(), sampler, valid, batch_size, window },
            &settings,
            &out,
        )?,
        Model::Discriminative => fit(
            args.until,
            &DiscriminativeTask { config: DiscriminativeConfig::default(), sampler, valid, batch_size, window },
            &settings,
            &out,
        )?,
    };
    println!(
        "done: {} parameters, {} steps in {:.0} s, {:.0} tokens/s; last validation: {:?}",
        state.parameters,
        state.step,
        state.seconds,
        state.tokens_per_second(),
        state.last_valid()
    );
    Ok(())
}

fn fit<T: Task>(until: Option<u64>, task: &T, settings: &TrainSettings, out: &Path) -> anyhow::Result<RunState> {
    let (_, state) = train(task, settings, out, &training_device(), true, until)?;
    Ok(state)
}
