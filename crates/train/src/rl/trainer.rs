//! The PPO loop of RL post-training (`docs/method.md` §4.3–4.5): rollouts against
//! training melodies (for the melody agent: training chord tracks), the reward (coherence
//! models, rule penalties, the adversarial term, per-token KL to the offline teacher), GAE
//! over the positions of the part the policy plays, clipped-surrogate actor and value
//! updates, and the GAPT discriminator on its two-phase schedule. Checkpoints after every few
//! updates; a killed run resumes where it stopped.

use super::penalties::PenaltySettings;
use super::schedule::DiscriminatorSchedule;
use crate::checkpoint::{self, CheckpointError};
use crate::models::chord_discriminator::{ChordDiscriminator, ChordDiscriminatorConfig};
use crate::models::contrastive::ContrastiveReward;
use crate::models::critic::Critic;
use crate::models::discriminative::PairDiscriminator;
use crate::models::policy::{Policy, PolicyConfig};
use crate::models::teacher::Teacher;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, ModuleOptimizer};
use burn::prelude::*;
use comper_data::windows::WindowSampler;
use comper_music::Part;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::time::Instant;

/// Weights of the reward terms (all 1 in the paper).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RewardWeights {
    pub contrastive: f64,
    pub discriminative: f64,
    pub rules: f64,
    pub adversarial: f64,
}

impl Default for RewardWeights {
    fn default() -> Self {
        RewardWeights { contrastive: 1.0, discriminative: 1.0, rules: 1.0, adversarial: 1.0 }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RlSettings {
    /// The part the policy plays: the accompanist's chords, or the melody agent's melody
    /// (the same recipe with the roles swapped).
    #[serde(default)]
    pub part: Part,
    /// PPO updates (the paper: 1,000).
    pub updates: u64,
    /// Rollouts per update (the paper: 384) and per gradient step (48).
    pub rollouts: usize,
    pub minibatch: usize,
    /// Frames per rollout (the paper: 256).
    pub window: usize,
    pub actor_lr: f64,
    pub critic_lr: f64,
    pub discriminator_lr: f64,
    /// Linear warm-up updates; then cosine decay to 10% (actor, critic and discriminator).
    pub warmup_updates: u64,
    /// β: per-token KL to the offline teacher, as a reward (0.001).
    pub kl: f64,
    /// The same KL's gradient through the current distribution, as a loss (mean over chord
    /// positions). A per-token reward only reaches the actions before a token, never the
    /// distribution the KL is measured on, so the reward alone cannot pull the policy to
    /// its teacher (OpenRLHF's `use_kl_loss`).
    #[serde(default)]
    pub kl_loss: f64,
    /// γ: entropy bonus (0.01 for GAPT, 0 for the RL-only arm).
    pub entropy: f64,
    pub clip: f64,
    pub gae_lambda: f64,
    pub temperature: f32,
    /// Train the GAPT discriminator and add R_adv = −log(1 − D(y)) to the reward.
    pub adversarial: bool,
    pub schedule: DiscriminatorSchedule,
    /// Passes over the update's minibatches per discriminator update (the paper: 1, with
    /// 8 minibatches of 48; more passes give a short run the paper's number of steps).
    #[serde(default = "one_pass")]
    pub discriminator_epochs: usize,
    pub label_smoothing: f64,
    pub weights: RewardWeights,
    pub penalties: PenaltySettings,
    pub grad_clip_norm: f64,
    pub seed: u64,
    pub checkpoint_every: u64,
}

impl RlSettings {
    /// Whether any reward reaches the policy; without one (on-policy distillation) the KL to
    /// the teacher in the actor's loss is the whole objective.
    pub fn rewards_anything(&self) -> bool {
        let w = &self.weights;
        let adversarial = self.adversarial && w.adversarial != 0.0;
        self.kl != 0.0 || w.contrastive != 0.0 || w.discriminative != 0.0 || w.rules != 0.0 || adversarial
    }
}

fn one_pass() -> usize {
    1
}

/// The frozen networks the reward and the KL come from (on the inner, non-autodiff device).
pub struct Frozen {
    pub teacher: Teacher,
    pub contrastive: ContrastiveReward,
    pub discriminative: PairDiscriminator,
}

/// What PPO trains: the policy, its critic and (GAPT) the discriminator.
#[derive(Module, Debug)]
pub struct RlModels {
    pub policy: Policy,
    pub critic: Critic,
    pub discriminator: ChordDiscriminator,
}

impl RlModels {
    /// The start of a run: the pre-trained policy, a critic copied from it, a new discriminator.
    pub fn start(policy: Policy, discriminator: &ChordDiscriminatorConfig, device: &Device) -> RlModels {
        RlModels { critic: Critic::from_policy(&policy, device), discriminator: discriminator.init(device), policy }
    }

    /// The structure a checkpoint loads into.
    pub fn blank(policy: &PolicyConfig, discriminator: &ChordDiscriminatorConfig, device: &Device) -> RlModels {
        RlModels::start(policy.init(device), discriminator, device)
    }
}

/// One PPO update's log line.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct UpdateRow {
    pub update: u64,
    pub learning_rate: f64,
    /// Mean episode return (all terms, KL included).
    pub reward: f64,
    pub contrastive: f64,
    pub discriminative: f64,
    /// Rule penalties (invalid, early stop, repetition, silence) summed per episode.
    pub rules: f64,
    pub silence: f64,
    pub repetition: f64,
    /// Mean R_adv of the rollouts (also computed, not added, in the RL-only arm).
    pub adversarial: f64,
    /// Mean per-chord KL to the teacher, and the policy's mean entropy at chord positions.
    pub kl: f64,
    pub entropy: f64,
    pub actor_loss: f64,
    pub critic_loss: f64,
    /// When the discriminator learned: its mean accuracy over its steps of this update,
    /// each minibatch measured before its step.
    pub discriminator_accuracy: Option<f64>,
    pub discriminator_updated: bool,
    /// Note-in-chord ratio and distinct chords of the rollouts (distinct pitches when the
    /// policy plays the melody).
    pub harmony: f64,
    pub unique_chords: usize,
    pub seconds: f64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RlState {
    pub settings: RlSettings,
    pub update: u64,
    pub seconds: f64,
    /// Mean R_adv per completed update: the discriminator gate reads it.
    pub adversarial_history: Vec<f64>,
    pub rows: Vec<UpdateRow>,
}

#[derive(Debug, thiserror::Error)]
pub enum RlError {
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("{0} holds a run with other settings; pass --fresh to start over or choose another --out")]
    SettingsMismatch(String),
    #[error("cannot write the run's metrics: {0}")]
    Metrics(String),
}

/// Run RL from `models` (a fresh start or a checkpoint in `run_dir`) to `settings.updates`,
/// or to `until`. `sampler` draws the training melodies (songs of at least a window).
pub fn train_rl(
    models: RlModels,
    frozen: &Frozen,
    sampler: &WindowSampler,
    settings: &RlSettings,
    run_dir: &Path,
    device: &Device,
    until: Option<u64>,
) -> Result<(RlModels, RlState), RlError> {
    device.seed(settings.seed);
    let mut optimizer: ModuleOptimizer = AdamWConfig::new()
        .with_beta_2(0.95)
        .with_weight_decay(0.0)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(settings.grad_clip_norm as f32)))
        .init();
    let mut models = models;
    let mut state = RlState {
        settings: settings.clone(),
        update: 0,
        seconds: 0.0,
        adversarial_history: Vec::new(),
        rows: Vec::new(),
    };
    if let Some(dir) = checkpoint::latest(run_dir) {
        let (m, o, s): (RlModels, ModuleOptimizer, RlState) = checkpoint::load(&dir, models, optimizer)?;
        if s.settings != *settings {
            return Err(RlError::SettingsMismatch(run_dir.display().to_string()));
        }
        (models, optimizer, state) = (m, o, s);
    }
    let stop = until.unwrap_or(settings.updates).min(settings.updates);
    let progress = ProgressBar::new(settings.updates).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} updates [{elapsed_precise} < {eta_precise}] {msg}")
            .expect("valid template"),
    );
    progress.set_position(state.update);
    while state.update < stop {
        let started = Instant::now();
        let k = state.update + 1;
        let (next, mut row) = super::update::ppo_update(
            models,
            &mut optimizer,
            frozen,
            sampler,
            settings,
            k,
            &state.adversarial_history,
            device,
        );
        models = next;
        row.seconds = started.elapsed().as_secs_f64();
        state.seconds += row.seconds;
        state.adversarial_history.push(row.adversarial);
        state.update = k;
        progress.set_position(k);
        progress.set_message(format!(
            "reward {:.3}, harmony {:.3}, {} chords, KL {:.3}, R_adv {:.2}{}",
            row.reward,
            row.harmony,
            row.unique_chords,
            row.kl,
            row.adversarial,
            if row.discriminator_updated { ", D updated" } else { "" }
        ));
        state.rows.push(row);
        if k == stop || k.is_multiple_of(settings.checkpoint_every.max(1)) {
            super::report::write(run_dir, &state).map_err(RlError::Metrics)?;
            checkpoint::save(run_dir, &models, &optimizer, &state)?;
        }
    }
    progress.finish_and_clear();
    Ok((models, state))
}
