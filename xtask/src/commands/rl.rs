//! `cargo xtask train rl|gapt`: RL post-training of the pre-trained online policy, without
//! (`rl`, the ReaLchords arm) or with (`gapt`) the co-evolving discriminator. Both arms
//! share seeds and settings; only the adversary and the entropy bonus differ (`docs/method.md` §4.3).
//! `cargo xtask train distilled`: on-policy distillation through the same loop, with the KL
//! to the teacher as the whole loss.
//! `cargo xtask train melody-rl`: the melody agent through the `rl` arm's recipe with the
//! roles swapped (its teacher hears the chords; the chord tracks come from the data).

use super::train::TrainArgs;
use crate::{corpus, paths};
use comper_data::windows::{Augment, WindowSampler};
use comper_music::{FrameTracks, Part};
use comper_train::checkpoint;
use comper_train::data::SplitFrames;
use comper_train::device::{device_name, training_device};
use comper_train::export::policy::policy_from_model_folder;
use comper_train::models::contrastive::ContrastiveConfig;
use comper_train::models::discriminative::DiscriminativeConfig;
use comper_train::models::policy::PolicyConfig;
use comper_train::models::teacher::TeacherConfig;
use comper_train::recipes::{PostTrained, silence_rate};
use comper_train::rl::models::{Frozen, RlModels};
use comper_train::rl::trainer::train_rl;
use comper_train::run_record::{RunInfo, trained};

pub fn run(args: TrainArgs, arm: PostTrained) -> anyhow::Result<()> {
    let part = arm.part();
    // The policy's training run, the shipped model to start from without one, the teacher.
    let (policy_run, shipped, teacher_run) = match part {
        Part::Melody => ("melody-agent", "melody-agent", "melody-teacher"),
        Part::Chords => ("policy", "online-mle", "teacher"),
    };
    let runs = paths::workspace_root().join("target/comper/runs");
    let out = args.out.clone().unwrap_or_else(|| runs.join(args.model.0.name()));
    if args.fresh {
        comper_train::checkpoint::clear_run(&out)?;
    }
    std::fs::create_dir_all(&out)?;
    let corpus = corpus::load_or_build(&args.data.clone().unwrap_or_else(paths::default_cache_dir))?;
    let frames = SplitFrames::from_corpus(&corpus);
    let threshold = silence_rate(&frames.train, part);
    let mut settings = arm.settings(threshold);
    if let Some(updates) = args.steps {
        settings = settings.with_updates(updates);
    }
    settings.rollouts = args.batch.unwrap_or(settings.rollouts);
    settings.window = args.window.unwrap_or(settings.window);
    settings.seed = args.seed.unwrap_or(settings.seed);
    settings.actor_lr = args.lr.unwrap_or(settings.actor_lr);
    settings.kl_loss = args.kl_loss.unwrap_or(settings.kl_loss);
    settings.discriminator.beat_phase |= args.discriminator_beats;
    settings.discriminator_lr = args.discriminator_lr.unwrap_or(settings.discriminator_lr);
    let (window, seed) = (settings.window, settings.seed);
    let long_enough: Vec<FrameTracks> = frames.train.into_iter().filter(|s| s.len() >= window).collect();
    let sampler = WindowSampler::new(long_enough, window, Augment::TRAINING, seed);

    let device = training_device();
    let inner = device.clone().inner();
    let (teacher_config, teacher_dir): (TeacherConfig, _) =
        trained(&paths::trained_run(teacher_run), teacher_run).map_err(anyhow::Error::msg)?;
    let (contrastive_config, contrastive_dir): (ContrastiveConfig, _) =
        trained(&paths::trained_run("contrastive"), "contrastive").map_err(anyhow::Error::msg)?;
    let (pair_config, pair_dir): (DiscriminativeConfig, _) =
        trained(&paths::trained_run("discriminative"), "discriminative").map_err(anyhow::Error::msg)?;
    let frozen = Frozen {
        teacher: checkpoint::load_weights(&teacher_dir, teacher_config.init(&inner))?,
        contrastive: checkpoint::load_weights(&contrastive_dir, contrastive_config.init(&inner))?,
        discriminative: checkpoint::load_weights(&pair_dir, pair_config.init(&inner))?,
    };
    let from = args.from.clone().or_else(|| {
        let trained_here = checkpoint::latest(&runs.join(policy_run)).is_some();
        (!trained_here).then(|| paths::workspace_root().join("models").join(shipped))
    });
    let (policy_config, policy) = match &from {
        Some(folder) => {
            println!("starting from the model in {}", folder.display());
            policy_from_model_folder(folder, part, &device).map_err(anyhow::Error::msg)?
        }
        None => {
            let (config, dir): (PolicyConfig, _) =
                trained(&runs.join(policy_run), policy_run).map_err(anyhow::Error::msg)?;
            let policy = checkpoint::load_weights(&dir, config.init(&device))?;
            (config, policy)
        }
    };
    let info = RunInfo {
        model: "rl".into(),
        config: serde_json::to_value(&policy_config)?,
        window,
        data: corpus.manifest.training_sources(),
        data_seed: corpus.manifest.seed,
        command: format!("cargo xtask {}", std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
        augmentation: Augment::TRAINING.describe(),
    };
    info.write(&out)?;
    println!(
        "{} on {}: {} updates × {} rollouts of {window} frames from {} songs (silence threshold {:.4}) → {}",
        arm.describe(),
        device_name(),
        settings.updates,
        settings.rollouts,
        sampler.len(),
        threshold,
        out.display()
    );
    let models = RlModels::start(policy, &settings.discriminator, &device);
    let (_, state) = train_rl(models, &frozen, &sampler, &settings, &out, &device, args.until)?;
    let last = state.rows.last();
    println!(
        "done: {} updates in {:.0} s; last: reward {:.3}, harmony {:.3}, {} chords",
        state.update,
        state.seconds,
        last.map_or(0.0, |r| r.reward),
        last.map_or(0.0, |r| r.harmony),
        last.map_or(0, |r| r.unique_chords)
    );
    Ok(())
}
