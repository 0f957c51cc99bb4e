//! The PPO loop of RL post-training (`docs/method.md` §4.3–4.5): rollouts against
//! training melodies (for the melody agent: training chord tracks), the reward (coherence
//! models, rule penalties, the adversarial term, per-token KL to the offline teacher), GAE
//! over the positions of the part the policy plays, clipped-surrogate actor and value
//! updates, and the GAPT discriminator on its two-phase schedule. Checkpoints after every few
//! updates; a killed run resumes where it stopped.

use super::gae::{gae, whiten};
use super::penalties::{PenaltySettings, penalties};
use super::rollout::rollout;
use super::schedule::DiscriminatorSchedule;
use crate::batch::{FrameBatch, StreamBatch, length_mask};
use crate::checkpoint::{self, CheckpointError};
use crate::models::chord_discriminator::{ChordDiscriminator, ChordDiscriminatorConfig};
use crate::models::contrastive::ContrastiveReward;
use crate::models::critic::Critic;
use crate::models::discriminative::PairDiscriminator;
use crate::models::policy::{GruPolicy, PolicyConfig};
use crate::models::teacher::Teacher;
use crate::schedule::WarmupCosine;
use crate::tasks::contrastive::embed;
use burn::grad_clipping::GradientClippingConfig;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::activation::{log_softmax, sigmoid, softmax};
use comper_data::windows::WindowSampler;
use comper_music::token::sounding_pitch;
use comper_music::{FrameTracks, Part};
use indicatif::{ProgressBar, ProgressStyle};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
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
    pub policy: GruPolicy,
    pub critic: Critic,
    pub discriminator: ChordDiscriminator,
}

impl RlModels {
    /// The start of a run: the pre-trained policy, a critic copied from it, a new discriminator.
    pub fn start(policy: GruPolicy, discriminator: &ChordDiscriminatorConfig, device: &Device) -> RlModels {
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

fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().expect("float tensor")
}

/// The outputs at each frame's own token from stream outputs `[B, 2T, …]`: positions 0, 2, …
/// (the stream puts the policy's own token first in every frame, whichever part it plays).
fn own_positions<const D: usize>(stream: Tensor<D>) -> Tensor<D> {
    let dims = stream.dims();
    let (b, s) = (dims[0], dims[1]);
    let rest: usize = dims[2..].iter().product();
    let pairs = stream.reshape([b, s / 2, 2, rest]).slice_dim(2, 0..1);
    let mut out = dims;
    out[1] = s / 2;
    pairs.reshape(out)
}

fn float_tensor(values: Vec<f32>, shape: [usize; 2], device: &Device) -> Tensor<2> {
    Tensor::from_data(TensorData::new(values, shape), device)
}

/// The policy's action ids `[B, T, 1]` (its own track) for `gather`.
fn actions(takes: &[FrameTracks], part: Part, device: &Device) -> Tensor<3, Int> {
    let own = FrameBatch::new(takes, device).track(part);
    let [b, t] = own.dims();
    own.reshape([b, t, 1])
}

/// Distinct chords the rollouts play (distinct pitches when the policy plays the melody).
fn distinct(takes: &[FrameTracks], part: Part) -> usize {
    match part {
        Part::Chords => comper_music::metrics::distinct_chords(takes),
        Part::Melody => {
            let pitches: std::collections::BTreeSet<u8> =
                takes.iter().flat_map(|take| take.melody.iter().filter_map(|&t| sounding_pitch(t))).collect();
            pitches.len()
        }
    }
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
        let (next, mut row) =
            ppo_update(models, &mut optimizer, frozen, sampler, settings, k, &state.adversarial_history, device);
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

/// One PPO update `k` (1-based): roll out, score, and learn.
#[allow(clippy::too_many_arguments)]
fn ppo_update(
    mut models: RlModels,
    optimizer: &mut ModuleOptimizer,
    frozen: &Frozen,
    sampler: &WindowSampler,
    settings: &RlSettings,
    k: u64,
    history: &[f64],
    device: &Device,
) -> (RlModels, UpdateRow) {
    let inner = device.clone().inner();
    let schedule = |peak: f64| {
        WarmupCosine { peak, warmup_steps: settings.warmup_updates, total_steps: settings.updates, floor: 0.1 }
            .at(k - 1)
    };
    let part = settings.part;
    let windows = sampler.batch(k, settings.rollouts);
    let b = windows.len();
    let partners: Vec<&[comper_music::Token]> = windows.iter().map(|w| w.track(part.partner())).collect();
    let policy = models.policy.valid();
    let played = rollout(&policy, part, &partners, settings.temperature, settings.seed ^ k, &inner);
    let takes: Vec<FrameTracks> =
        partners.iter().zip(played).map(|(partner, own)| FrameTracks::of(part, own, partner.to_vec())).collect();
    let t = takes[0].len();

    // The behaviour policy's view of its own rollouts, the teacher's, and the critic's.
    let stream = StreamBatch::new(&takes, part, &inner).input;
    let frames = FrameBatch::new(&takes, &inner);
    let log_p = log_softmax(own_positions(policy.forward(stream.clone())), 2);
    let old_logp = floats(log_p.clone().gather(2, actions(&takes, part, &inner)).reshape([b, t]));
    let teacher = log_softmax(frozen.teacher.forward(frames.track(part.partner()), frames.shifted(part)), 2);
    let teacher_logp = floats(teacher.clone());
    let p = log_p.clone().exp();
    let kl = floats((p.clone() * (log_p.clone() - teacher)).sum_dim(2).reshape([b, t]));
    let entropy = f64::from(-(p * log_p).sum_dim(2).mean().into_scalar::<f32>());
    let values = floats(own_positions(models.critic.valid().forward(stream)));

    // Sequence rewards.
    let mask = length_mask(&frames.lengths, t, &inner);
    let (m, c) = embed(&frozen.contrastive, &takes, &inner);
    let contrastive = floats((m * c).sum_dim(1).reshape([b]));
    let pair =
        floats(sigmoid(frozen.discriminative.forward(frames.melody.clone(), frames.chords.clone(), mask.clone())));
    let real = softmax(models.discriminator.valid().forward(frames.track(part), mask), 1).slice_dim(1, 1..2);
    let adversarial: Vec<f32> = floats(real.reshape([b])).iter().map(|&d| -(1.0 - d + 1e-12).ln()).collect();
    let w = &settings.weights;
    let mut rewards = vec![0.0f32; b * t];
    let mut row = UpdateRow { update: k, learning_rate: schedule(settings.actor_lr), entropy, ..UpdateRow::default() };
    for i in 0..b {
        let pen = penalties(part, takes[i].track(part), partners[i], &settings.penalties);
        let silence: f64 = pen.silence.iter().sum();
        let mut sequence = w.contrastive * f64::from(contrastive[i])
            + w.discriminative * f64::from(pair[i])
            + w.rules * pen.sequence_total();
        if settings.adversarial {
            sequence += w.adversarial * f64::from(adversarial[i]);
        }
        for f in 0..t {
            let mut r = -settings.kl * f64::from(kl[i * t + f]) + w.rules * pen.silence[f];
            if f + 1 == t {
                r += sequence;
            }
            rewards[i * t + f] = r as f32;
        }
        row.reward += rewards[i * t..(i + 1) * t].iter().map(|&r| f64::from(r)).sum::<f64>() / b as f64;
        row.contrastive += f64::from(contrastive[i]) / b as f64;
        row.discriminative += f64::from(pair[i]) / b as f64;
        row.rules += (pen.sequence_total() + silence) / b as f64;
        row.silence += silence / b as f64;
        row.repetition += pen.repetition / b as f64;
        row.adversarial += f64::from(adversarial[i]) / b as f64;
    }
    row.kl = kl.iter().map(|&v| f64::from(v)).sum::<f64>() / kl.len() as f64;
    row.harmony = comper_music::metrics::Tally::pooled(&takes, 0..usize::MAX).ratio().unwrap_or(0.0);
    row.unique_chords = distinct(&takes, part);

    // Advantages over the policy's own positions, whitened over the whole buffer.
    let mut advantages = Vec::with_capacity(b * t);
    let mut returns = Vec::with_capacity(b * t);
    for i in 0..b {
        let (a, r) = gae(&rewards[i * t..(i + 1) * t], &values[i * t..(i + 1) * t], 1.0, settings.gae_lambda as f32);
        advantages.extend(a);
        returns.extend(r);
    }
    whiten(&mut advantages);
    if !settings.rewards_anything() {
        // Whitened, the advantages of no reward would be the critic's noise at full scale.
        advantages.fill(0.0);
    }

    // PPO: one epoch over shuffled minibatches.
    let mut order: Vec<usize> = (0..b).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(settings.seed ^ (k << 20)));
    let minibatches: Vec<Vec<usize>> = order.chunks(settings.minibatch.max(1)).map(<[usize]>::to_vec).collect();
    let pick = |values: &[f32], rows: &[usize]| -> Vec<f32> {
        rows.iter().flat_map(|&i| values[i * t..(i + 1) * t].iter().copied()).collect()
    };
    let eps = settings.clip as f32;
    for rows in &minibatches {
        let n = rows.len();
        let mb: Vec<FrameTracks> = rows.iter().map(|&i| takes[i].clone()).collect();
        let stream = StreamBatch::new(&mb, part, device).input;
        let old = float_tensor(pick(&old_logp, rows), [n, t], device);
        let adv = float_tensor(pick(&advantages, rows), [n, t], device);
        let ret = float_tensor(pick(&returns, rows), [n, t], device);

        let log_p = log_softmax(own_positions(models.policy.forward(stream.clone())), 2);
        let taken = log_p.clone().gather(2, actions(&mb, part, device)).reshape([n, t]);
        let v = log_p.dims()[2];
        let rows_logq: Vec<f32> =
            rows.iter().flat_map(|&i| teacher_logp[i * t * v..(i + 1) * t * v].iter().copied()).collect();
        let log_q = Tensor::<3>::from_data(TensorData::new(rows_logq, [n, t, v]), device);
        let kl_to_teacher = (log_p.clone().exp() * (log_p.clone() - log_q)).sum_dim(2).mean();
        let ratio = (taken - old).exp();
        let surrogate = (ratio.clone() * adv.clone()).min_pair(ratio.clamp(1.0 - eps, 1.0 + eps) * adv);
        let entropy = -(log_p.clone().exp() * log_p).sum_dim(2).mean();
        let actor_loss = -surrogate.mean() - entropy.mul_scalar(settings.entropy as f32)
            + kl_to_teacher.mul_scalar(settings.kl_loss as f32);
        row.actor_loss += f64::from(actor_loss.clone().into_scalar::<f32>()) / minibatches.len() as f64;
        let grads = GradientsParams::from_grads(actor_loss.backward(), &models.policy);
        models = optimizer.step(schedule(settings.actor_lr), models, grads);

        let value = own_positions(models.critic.forward(stream));
        let critic_loss = (value - ret).square().mean().mul_scalar(0.5);
        row.critic_loss += f64::from(critic_loss.clone().into_scalar::<f32>()) / minibatches.len() as f64;
        let grads = GradientsParams::from_grads(critic_loss.backward(), &models.critic);
        models = optimizer.step(schedule(settings.critic_lr), models, grads);
    }

    // GAPT: the discriminator learns on the gated updates, policy rollouts (0) against the
    // real tracks of the same windows (1), the played part only.
    if settings.adversarial && settings.schedule.should_update(k, history) {
        let ce = CrossEntropyLossConfig::new().with_smoothing(Some(settings.label_smoothing as f32)).init(device);
        let (mut correct, mut seen) = (0usize, 0usize);
        let passes = settings.discriminator_epochs.max(1);
        for rows in minibatches.iter().cycle().take(passes * minibatches.len()) {
            let generated: Vec<FrameTracks> = rows.iter().map(|&i| takes[i].clone()).collect();
            let real: Vec<FrameTracks> = rows.iter().map(|&i| windows[i].clone()).collect();
            let both: Vec<FrameTracks> = generated.into_iter().chain(real).collect();
            let batch = FrameBatch::new(&both, device);
            let mask = length_mask(&batch.lengths, t, device);
            let labels: Vec<i64> = (0..both.len()).map(|j| i64::from(j >= rows.len())).collect();
            let labels = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [both.len()]), device);
            let logits = models.discriminator.forward(batch.track(part), mask);
            let predicted = logits.clone().argmax(1).reshape([both.len()]);
            correct += predicted.equal(labels.clone()).int().sum().into_scalar::<i64>() as usize;
            seen += both.len();
            let loss = ce.forward(logits, labels);
            let grads = GradientsParams::from_grads(loss.backward(), &models.discriminator);
            models = optimizer.step(schedule(settings.discriminator_lr), models, grads);
        }
        row.discriminator_updated = true;
        row.discriminator_accuracy = Some(correct as f64 / seen.max(1) as f64);
    }
    (models, row)
}
