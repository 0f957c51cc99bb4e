//! One PPO update, in the order it runs: roll out and score ([`Experience`]), advantages
//! over the policy's own positions, the actor's and the critic's minibatch steps, and (GAPT)
//! the discriminator's.

use super::gae::{gae, whiten};
use super::models::{Frozen, RlModels};
use super::penalties::penalties;
use super::rollout::rollout;
use super::settings::RlSettings;
use super::state::UpdateRow;
use crate::batch::{FrameBatch, StreamBatch, floats, length_mask};
use crate::schedule::WarmupCosine;
use crate::tasks::contrastive::embed;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::optim::{GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::activation::{log_softmax, sigmoid, softmax};
use comper_data::windows::WindowSampler;
use comper_music::token::sounding_pitch;
use comper_music::{FrameTracks, Part};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;

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

/// What every step of update `k` (1-based) shares.
struct Step<'a> {
    settings: &'a RlSettings,
    k: u64,
    device: &'a Device,
}

impl Step<'_> {
    /// The learning rate of this update for a schedule peaking at `peak`.
    fn rate(&self, peak: f64) -> f64 {
        let s = self.settings;
        WarmupCosine { peak, warmup_steps: s.warmup_updates, total_steps: s.updates, floor: 0.1 }.at(self.k - 1)
    }
}

/// One update's rollouts and what the frozen models and the behaviour policy made of them.
struct Experience {
    /// The training windows the rollouts accompany (their real tracks: the discriminator's 1s).
    windows: Vec<FrameTracks>,
    takes: Vec<FrameTracks>,
    /// Frames per take.
    t: usize,
    /// The behaviour policy's log-probability of each action, `[B·T]`.
    old_logp: Vec<f32>,
    /// The teacher's log-distribution at each position, `[B·T·V]`.
    teacher_logp: Vec<f32>,
    /// Per-frame rewards and the critic's values, `[B·T]`.
    rewards: Vec<f32>,
    values: Vec<f32>,
    /// The rollouts' indices in shuffled minibatches, for every step of the update.
    minibatches: Vec<Vec<usize>>,
}

/// Roll out the policy against `k`'s windows and score every frame: the sequence rewards on
/// the last frame, the KL and silence penalties on each; the row logs every term.
fn collect(
    models: &RlModels,
    frozen: &Frozen,
    sampler: &WindowSampler,
    settings: &RlSettings,
    k: u64,
    row: &mut UpdateRow,
    inner: &Device,
) -> Experience {
    let part = settings.part;
    let windows = sampler.batch(k, settings.rollouts);
    let b = windows.len();
    let partners: Vec<&[comper_music::Token]> = windows.iter().map(|w| w.track(part.partner())).collect();
    let policy = models.policy.valid();
    let played = rollout(&policy, part, &partners, settings.temperature, settings.seed ^ k, inner);
    let takes: Vec<FrameTracks> =
        partners.iter().zip(played).map(|(partner, own)| FrameTracks::of(part, own, partner.to_vec())).collect();
    let t = takes[0].len();

    // The behaviour policy's view of its own rollouts, the teacher's, and the critic's.
    let stream = StreamBatch::new(&takes, part, inner).input;
    let frames = FrameBatch::new(&takes, inner);
    let log_p = log_softmax(own_positions(policy.forward(stream.clone())), 2);
    let old_logp = floats(log_p.clone().gather(2, actions(&takes, part, inner)).reshape([b, t]));
    let teacher = log_softmax(frozen.teacher.forward(frames.track(part.partner()), frames.shifted(part)), 2);
    let teacher_logp = floats(teacher.clone());
    let p = log_p.clone().exp();
    let kl = floats((p.clone() * (log_p.clone() - teacher)).sum_dim(2).reshape([b, t]));
    row.entropy = f64::from(-(p * log_p).sum_dim(2).mean().into_scalar::<f32>());
    let values = floats(own_positions(models.critic.valid().forward(stream)));

    // Sequence rewards.
    let mask = length_mask(&frames.lengths, t, inner);
    let (m, c) = embed(&frozen.contrastive, &takes, inner);
    let contrastive = floats((m * c).sum_dim(1).reshape([b]));
    let pair =
        floats(sigmoid(frozen.discriminative.forward(frames.melody.clone(), frames.chords.clone(), mask.clone())));
    let real = softmax(models.discriminator.valid().forward(frames.track(part), mask), 1).slice_dim(1, 1..2);
    let adversarial: Vec<f32> = floats(real.reshape([b])).iter().map(|&d| -(1.0 - d + 1e-12).ln()).collect();
    let w = &settings.weights;
    let mut rewards = vec![0.0f32; b * t];
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
    row.changes_per_bar = comper_music::metrics::changes_per_bar(&takes);
    row.pitch_classes = comper_music::metrics::pitch_classes_per_chord(&takes);
    let mut order: Vec<usize> = (0..b).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(settings.seed ^ (k << 20)));
    let minibatches = order.chunks(settings.minibatch.max(1)).map(<[usize]>::to_vec).collect();
    Experience { windows, takes, t, old_logp, teacher_logp, rewards, values, minibatches }
}

/// GAE advantages over the policy's own positions, whitened over the whole buffer, and the
/// returns the critic learns.
fn advantages(experience: &Experience, settings: &RlSettings) -> (Vec<f32>, Vec<f32>) {
    let (b, t) = (experience.takes.len(), experience.t);
    let mut advantages = Vec::with_capacity(b * t);
    let mut returns = Vec::with_capacity(b * t);
    for i in 0..b {
        let span = i * t..(i + 1) * t;
        let (a, r) = gae(&experience.rewards[span.clone()], &experience.values[span], 1.0, settings.gae_lambda as f32);
        advantages.extend(a);
        returns.extend(r);
    }
    whiten(&mut advantages);
    if !settings.rewards_anything() {
        // Whitened, the advantages of no reward would be the critic's noise at full scale.
        advantages.fill(0.0);
    }
    (advantages, returns)
}

/// One epoch over the minibatches: the actor's clipped surrogate with the entropy bonus and
/// the KL to the teacher, then the critic's squared error.
fn policy_steps(
    mut models: RlModels,
    optimizer: &mut ModuleOptimizer,
    experience: &Experience,
    (advantages, returns): (&[f32], &[f32]),
    step: &Step,
    row: &mut UpdateRow,
) -> RlModels {
    let (settings, device) = (step.settings, step.device);
    let minibatches = &experience.minibatches;
    let (part, t) = (settings.part, experience.t);
    let pick = |values: &[f32], rows: &[usize]| -> Vec<f32> {
        rows.iter().flat_map(|&i| values[i * t..(i + 1) * t].iter().copied()).collect()
    };
    let eps = settings.clip as f32;
    for rows in minibatches {
        let n = rows.len();
        let mb: Vec<FrameTracks> = rows.iter().map(|&i| experience.takes[i].clone()).collect();
        let stream = StreamBatch::new(&mb, part, device).input;
        let old = float_tensor(pick(&experience.old_logp, rows), [n, t], device);
        let adv = float_tensor(pick(advantages, rows), [n, t], device);
        let ret = float_tensor(pick(returns, rows), [n, t], device);

        let log_p = log_softmax(own_positions(models.policy.forward(stream.clone())), 2);
        let taken = log_p.clone().gather(2, actions(&mb, part, device)).reshape([n, t]);
        let v = log_p.dims()[2];
        let rows_logq: Vec<f32> =
            rows.iter().flat_map(|&i| experience.teacher_logp[i * t * v..(i + 1) * t * v].iter().copied()).collect();
        let log_q = Tensor::<3>::from_data(TensorData::new(rows_logq, [n, t, v]), device);
        let kl_to_teacher = (log_p.clone().exp() * (log_p.clone() - log_q)).sum_dim(2).mean();
        let ratio = (taken - old).exp();
        let surrogate = (ratio.clone() * adv.clone()).min_pair(ratio.clamp(1.0 - eps, 1.0 + eps) * adv);
        let entropy = -(log_p.clone().exp() * log_p).sum_dim(2).mean();
        let actor_loss = -surrogate.mean() - entropy.mul_scalar(settings.entropy as f32)
            + kl_to_teacher.mul_scalar(settings.kl_loss as f32);
        row.actor_loss += f64::from(actor_loss.clone().into_scalar::<f32>()) / minibatches.len() as f64;
        let grads = GradientsParams::from_grads(actor_loss.backward(), &models.policy);
        models = optimizer.step(step.rate(settings.actor_lr), models, grads);

        let value = own_positions(models.critic.forward(stream));
        let critic_loss = (value - ret).square().mean().mul_scalar(0.5);
        row.critic_loss += f64::from(critic_loss.clone().into_scalar::<f32>()) / minibatches.len() as f64;
        let grads = GradientsParams::from_grads(critic_loss.backward(), &models.critic);
        models = optimizer.step(step.rate(settings.critic_lr), models, grads);
    }
    models
}

/// GAPT's discriminator: the played part of the rollouts (0) against the real tracks of the
/// same windows (1), `discriminator_epochs` passes over the minibatches; logs its accuracy.
fn discriminator_steps(
    mut models: RlModels,
    optimizer: &mut ModuleOptimizer,
    experience: &Experience,
    step: &Step,
    row: &mut UpdateRow,
) -> RlModels {
    let (settings, device, minibatches) = (step.settings, step.device, &experience.minibatches);
    let ce = CrossEntropyLossConfig::new().with_smoothing(Some(settings.label_smoothing as f32)).init(device);
    let (mut correct, mut seen) = (0usize, 0usize);
    let passes = settings.discriminator_epochs.max(1);
    for rows in minibatches.iter().cycle().take(passes * minibatches.len()) {
        let generated: Vec<FrameTracks> = rows.iter().map(|&i| experience.takes[i].clone()).collect();
        let real: Vec<FrameTracks> = rows.iter().map(|&i| experience.windows[i].clone()).collect();
        let both: Vec<FrameTracks> = generated.into_iter().chain(real).collect();
        let batch = FrameBatch::new(&both, device);
        let mask = length_mask(&batch.lengths, experience.t, device);
        let labels: Vec<i64> = (0..both.len()).map(|j| i64::from(j >= rows.len())).collect();
        let labels = Tensor::<1, Int>::from_data(TensorData::new(labels.clone(), [both.len()]), device);
        let logits = models.discriminator.forward(batch.track(settings.part), mask);
        let predicted = logits.clone().argmax(1).reshape([both.len()]);
        correct += predicted.equal(labels.clone()).int().sum().into_scalar::<i64>() as usize;
        seen += both.len();
        let loss = ce.forward(logits, labels);
        let grads = GradientsParams::from_grads(loss.backward(), &models.discriminator);
        models = optimizer.step(step.rate(settings.discriminator_lr), models, grads);
    }
    row.discriminator_updated = true;
    row.discriminator_accuracy = Some(correct as f64 / seen.max(1) as f64);
    models
}

/// One PPO update `k` (1-based): roll out, score, and learn; the discriminator (GAPT) on the
/// updates its schedule gates, given the mean adversarial reward of each update before.
#[allow(clippy::too_many_arguments)]
pub(super) fn ppo_update(
    models: RlModels,
    optimizer: &mut ModuleOptimizer,
    frozen: &Frozen,
    sampler: &WindowSampler,
    settings: &RlSettings,
    k: u64,
    history: &[f64],
    device: &Device,
) -> (RlModels, UpdateRow) {
    let step = Step { settings, k, device };
    let mut row = UpdateRow { update: k, learning_rate: step.rate(settings.actor_lr), ..UpdateRow::default() };
    let experience = collect(&models, frozen, sampler, settings, k, &mut row, &device.clone().inner());
    let (advantages, returns) = advantages(&experience, settings);
    let models = policy_steps(models, optimizer, &experience, (&advantages, &returns), &step, &mut row);
    let models = if settings.adversarial && settings.schedule.should_update(k, history) {
        discriminator_steps(models, optimizer, &experience, &step, &mut row)
    } else {
        models
    };
    (models, row)
}
