//! `cargo xtask train MODEL`: train one model on the corpus, resumably.

use crate::{corpus, paths};
use comper_data::windows::{Augment, WindowSampler, fixed_windows};
use comper_music::Part;
use comper_train::data::SplitFrames;
use comper_train::device::{device_name, training_device};
use comper_train::models::contrastive::ContrastiveConfig;
use comper_train::models::discriminative::DiscriminativeConfig;
use comper_train::models::policy::PolicyConfig;
use comper_train::models::teacher::TeacherConfig;
use comper_train::recipes::{Pretrained, Recipe};
use comper_train::run_record::RunInfo;
use comper_train::tasks::contrastive::ContrastiveTask;
use comper_train::tasks::discriminative::DiscriminativeTask;
use comper_train::tasks::policy::PolicyTask;
use comper_train::tasks::teacher::TeacherTask;
use comper_train::trainer::{RunState, Task, TrainSettings, train};
use std::path::PathBuf;
use std::sync::LazyLock;

/// The command line's name for a [`Recipe`]: the list and its help come from the recipes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Model(pub(super) Recipe);

impl clap::ValueEnum for Model {
    fn value_variants<'a>() -> &'a [Self] {
        static ALL: LazyLock<Vec<Model>> = LazyLock::new(|| Recipe::ALL.into_iter().map(Model).collect());
        &ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.0.name()).help(self.0.about()))
    }
}

#[derive(clap::Args)]
pub struct TrainArgs {
    pub(super) model: Model,
    /// Optimizer steps [default: per model]
    #[arg(long)]
    pub(super) steps: Option<u64>,
    /// Windows per batch [default: per model]
    #[arg(long)]
    pub(super) batch: Option<usize>,
    /// Peak learning rate [default: per model]
    #[arg(long)]
    pub(super) lr: Option<f64>,
    /// Seed for initialization and batches.
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Window length in frames [default: 256; 64 for RL]
    #[arg(long)]
    pub(super) window: Option<usize>,
    /// Run folder (checkpoints, metrics, curves) [default: target/comper/runs/MODEL]
    #[arg(long)]
    pub(super) out: Option<PathBuf>,
    /// Delete the run folder's checkpoint and start over instead of resuming.
    #[arg(long)]
    pub(super) fresh: bool,
    /// Folder of the data cache [default: target/comper/data]
    #[arg(long)]
    pub(super) data: Option<PathBuf>,
    /// Stop (with a checkpoint) after this step; run again to continue.
    #[arg(long)]
    pub(super) until: Option<u64>,
    /// RL only: start from this model folder (card.json and model.onnx, e.g. models/online-mle)
    /// instead of the latest checkpoint of the policy's training run [default: that run's
    /// checkpoint, or the shipped models/online-mle (models/melody-agent) without one].
    #[arg(long)]
    pub(super) from: Option<PathBuf>,
    /// The policy's family (policy and melody agent): gru or transformer [default: gru]
    #[arg(long, value_parser = PolicyConfig::family_default)]
    pub(super) family: Option<PolicyConfig>,
    /// RL only: weight of the KL to the offline teacher in the actor's loss [default: 0.05]
    #[arg(long)]
    pub(super) kl_loss: Option<f64>,
    /// GAPT only: the discriminator hears each frame's place in its beat [default: off]
    #[arg(long)]
    pub(super) discriminator_beats: bool,
    /// GAPT only: the discriminator's peak learning rate [default: 1e-3]
    #[arg(long)]
    pub(super) discriminator_lr: Option<f64>,
}

/// Train `args.model` from scratch by its `recipe`.
pub fn run(args: TrainArgs, recipe: Pretrained) -> anyhow::Result<()> {
    let mut settings = TrainSettings::recipe(recipe);
    if let Some(steps) = args.steps {
        settings = settings.with_steps(steps);
    }
    settings.batch_size = args.batch.unwrap_or(settings.batch_size);
    settings.learning_rate = args.lr.unwrap_or(settings.learning_rate);
    settings.seed = args.seed.unwrap_or(settings.seed);
    let out = args.out.unwrap_or_else(|| paths::workspace_root().join("target/comper/runs").join(args.model.0.name()));
    if args.fresh {
        comper_train::checkpoint::clear_run(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let corpus = corpus::load_or_build(&args.data.unwrap_or_else(paths::default_cache_dir))?;
    let frames = SplitFrames::from_corpus(&corpus);
    let window = args.window.unwrap_or(comper_data::windows::DEFAULT_WINDOW);
    let sampler = WindowSampler::new(frames.train, window, Augment::TRAINING, settings.seed);
    let valid = fixed_windows(&frames.valid, window, settings.seed);
    let batch_size = settings.batch_size;
    println!(
        "training {} on {} ({} train songs, {} validation windows of {window} frames) → {}",
        args.model.0.name(),
        device_name(),
        sampler.len(),
        valid.len(),
        out.display()
    );
    let run = Run {
        info: RunInfo {
            model: args.model.0.name().into(),
            config: serde_json::Value::Null,
            window,
            data: corpus.manifest.training_sources(),
            data_seed: corpus.manifest.seed,
            command: format!("cargo xtask {}", std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
            augmentation: Augment::TRAINING.describe(),
        },
        settings,
        out,
        until: args.until,
    };
    let state = match recipe {
        Pretrained::Policy | Pretrained::MelodyAgent => {
            let config = args.family.unwrap_or_default();
            let part = if recipe == Pretrained::Policy { Part::Chords } else { Part::Melody };
            run.fit(&config, &PolicyTask { config: config.clone(), part, sampler, valid, batch_size, window })?
        }
        Pretrained::Teacher | Pretrained::MelodyTeacher => {
            let config = TeacherConfig::default();
            let part = if recipe == Pretrained::Teacher { Part::Chords } else { Part::Melody };
            run.fit(&config, &TeacherTask { config: config.clone(), part, sampler, valid, batch_size, window })?
        }
        Pretrained::Contrastive => {
            let config = ContrastiveConfig::default();
            run.fit(&config, &ContrastiveTask { config: config.clone(), sampler, valid, batch_size, window })?
        }
        Pretrained::Discriminative => {
            let config = DiscriminativeConfig::default();
            let seed = run.settings.seed;
            run.fit(&config, &DiscriminativeTask { config: config.clone(), sampler, valid, batch_size, window, seed })?
        }
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

/// One training run: where it goes, how far, and what `run.json` records about it.
struct Run {
    info: RunInfo,
    settings: TrainSettings,
    out: PathBuf,
    until: Option<u64>,
}

impl Run {
    /// Record the run (with the model's `config`) in `run.json`, then train `task`.
    fn fit<C: serde::Serialize, T: Task>(mut self, config: &C, task: &T) -> anyhow::Result<RunState> {
        self.info.config = serde_json::to_value(config)?;
        self.info.write(&self.out)?;
        let (_, state) = train(task, &self.settings, &self.out, &training_device(), true, self.until)?;
        Ok(state)
    }
}
