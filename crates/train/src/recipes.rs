//! The settings that trained every shipped model, sized for a 2-core CPU (the models'
//! README gives their measured cost). The command line overrides them one by one;
//! `tests/recipes.rs` holds them to the settings the shipped cards record.

use crate::models::chord_discriminator::ChordDiscriminatorConfig;
use crate::rl::penalties::PenaltySettings;
use crate::rl::schedule::DiscriminatorSchedule;
use crate::rl::settings::{RewardWeights, RlSettings};
use crate::trainer::TrainSettings;
use comper_music::{FrameTracks, Part};

/// The models trained on the corpus from scratch; the RL arms start from one of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pretrained {
    Policy,
    MelodyAgent,
    Teacher,
    MelodyTeacher,
    Contrastive,
    Discriminative,
}

/// The RL arms: post-training of a pre-trained policy through one loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PostTrained {
    Rl,
    Gapt,
    Distilled,
    MelodyRl,
}

/// Every model `cargo xtask train` makes; its name is the command line's and the run folder's.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Recipe {
    Pretrained(Pretrained),
    PostTrained(PostTrained),
}

impl Recipe {
    pub const ALL: [Recipe; 10] = [
        Recipe::Pretrained(Pretrained::Policy),
        Recipe::Pretrained(Pretrained::MelodyAgent),
        Recipe::Pretrained(Pretrained::Teacher),
        Recipe::Pretrained(Pretrained::MelodyTeacher),
        Recipe::Pretrained(Pretrained::Contrastive),
        Recipe::Pretrained(Pretrained::Discriminative),
        Recipe::PostTrained(PostTrained::Rl),
        Recipe::PostTrained(PostTrained::Gapt),
        Recipe::PostTrained(PostTrained::Distilled),
        Recipe::PostTrained(PostTrained::MelodyRl),
    ];

    pub fn name(self) -> &'static str {
        match self {
            Recipe::Pretrained(Pretrained::Policy) => "policy",
            Recipe::Pretrained(Pretrained::MelodyAgent) => "melody-agent",
            Recipe::Pretrained(Pretrained::Teacher) => "teacher",
            Recipe::Pretrained(Pretrained::MelodyTeacher) => "melody-teacher",
            Recipe::Pretrained(Pretrained::Contrastive) => "contrastive",
            Recipe::Pretrained(Pretrained::Discriminative) => "discriminative",
            Recipe::PostTrained(PostTrained::Rl) => "rl",
            Recipe::PostTrained(PostTrained::Gapt) => "gapt",
            Recipe::PostTrained(PostTrained::Distilled) => "distilled",
            Recipe::PostTrained(PostTrained::MelodyRl) => "melody-rl",
        }
    }

    /// One line on what the model is, for the command line's help.
    pub fn about(self) -> &'static str {
        match self {
            Recipe::Pretrained(Pretrained::Policy) => "the online policy: the model the plugin runs",
            Recipe::Pretrained(Pretrained::MelodyAgent) => {
                "the melody agent (melody first): the evaluation's co-adaptation partner"
            }
            Recipe::Pretrained(Pretrained::Teacher) => "the offline teacher (sees the whole melody): RL's KL anchor",
            Recipe::Pretrained(Pretrained::MelodyTeacher) => {
                "the melody agent's offline teacher (sees the whole chord track): its KL anchor"
            }
            Recipe::Pretrained(Pretrained::Contrastive) => "the contrastive reward (melody and chord towers)",
            Recipe::Pretrained(Pretrained::Discriminative) => "the pair-discriminative reward",
            Recipe::PostTrained(arm) => arm.describe(),
        }
    }
}

impl PostTrained {
    /// What the arm is, as its run announces it.
    pub fn describe(self) -> &'static str {
        match self {
            PostTrained::Rl => "RL post-training of the policy without the adversary (the ReaLchords arm)",
            PostTrained::Gapt => "RL post-training with the co-evolving discriminator (GAPT)",
            PostTrained::Distilled => {
                "on-policy distillation: the policy's own rollouts, the KL to the teacher as the loss"
            }
            PostTrained::MelodyRl => "RL post-training of the melody agent: the RL-only recipe with the roles swapped",
        }
    }

    /// The part the post-trained model plays.
    pub fn part(self) -> Part {
        if self == PostTrained::MelodyRl { Part::Melody } else { Part::Chords }
    }

    /// The arm's settings; `silence_threshold`: the training data's [`silence_rate`].
    pub fn settings(self, silence_threshold: f64) -> RlSettings {
        match self {
            PostTrained::Distilled => RlSettings::distilled(self.part(), silence_threshold),
            _ => RlSettings::recipe(self.part(), self == PostTrained::Gapt, silence_threshold),
        }
    }
}

impl TrainSettings {
    /// The policy trains 10 epochs (86 steps each) at batch 64, the batch the README's
    /// throughput table picks, warming up for 18 steps (the shipped run's: `--steps 860` over
    /// the 360-step recipe of then kept its warm-up); the others warm up for a twentieth of
    /// their steps.
    pub fn recipe(model: Pretrained) -> TrainSettings {
        let (steps, batch_size, learning_rate, warmup_steps) = match model {
            Pretrained::Policy => (860, 64, 2e-3, 18),
            Pretrained::MelodyAgent => (160, 16, 2e-3, 8),
            Pretrained::Teacher | Pretrained::MelodyTeacher => (400, 16, 2e-3, 20),
            Pretrained::Contrastive => (200, 32, 1e-3, 10),
            Pretrained::Discriminative => (200, 16, 1e-3, 10),
        };
        TrainSettings {
            steps,
            batch_size,
            learning_rate,
            warmup_steps,
            weight_decay: 0.01,
            grad_clip_norm: 1.0,
            seed: 17,
            checkpoint_every: 25,
        }
    }

    /// These settings run for `steps`; the warm-up stays at most half of them.
    pub fn with_steps(self, steps: u64) -> TrainSettings {
        TrainSettings { steps, warmup_steps: self.warmup_steps.min(steps / 2).max(1), ..self }
    }
}

/// PPO updates, rollouts and their length, sized so one arm takes about 20 minutes on one
/// CPU core (measured: 12 to 17 s per update on one thread). Measured against 32 rollouts of
/// 128 frames at the same cost: more, shorter rollouts (four PPO steps per update, and GAE
/// reaching further back from the sequence reward) gave the harmony gain the longer ones did
/// not (models/README.md).
const UPDATES: u64 = 80;
const ROLLOUTS: usize = 64;
const MINIBATCH: usize = 16;
const WINDOW: usize = 64;

impl RlSettings {
    /// The RL-only arm (`adversarial: false`) or GAPT for the policy playing `part`; both
    /// share seeds and settings, and differ only in the adversary and the entropy bonus.
    /// `silence_threshold`: the training data's [`silence_rate`].
    pub fn recipe(part: Part, adversarial: bool, silence_threshold: f64) -> RlSettings {
        RlSettings {
            part,
            updates: UPDATES,
            rollouts: ROLLOUTS,
            minibatch: MINIBATCH,
            window: WINDOW,
            actor_lr: 1e-4,
            critic_lr: 1e-3,
            discriminator_lr: 1e-3,
            warmup_updates: (UPDATES / 10).max(1),
            kl: 0.001,
            // Measured: with the KL only in the reward the policy drifted from its teacher
            // (0.02 of reward: entropy and harmony fell over 60 updates).
            kl_loss: 0.05,
            entropy: if adversarial { 0.01 } else { 0.0 },
            clip: 0.2,
            gae_lambda: 0.95,
            temperature: 1.0,
            adversarial,
            discriminator: ChordDiscriminatorConfig::default(),
            schedule: DiscriminatorSchedule::scaled(UPDATES),
            // 4 passes: phase 1 then takes about as many discriminator steps as the paper's
            // (15 updates × 4 minibatches × 4 = 240; the paper: 40 × 8 = 320).
            discriminator_epochs: if adversarial { 4 } else { 1 },
            label_smoothing: 0.1,
            weights: RewardWeights::default(),
            penalties: PenaltySettings { silence_threshold, ..PenaltySettings::default() },
            grad_clip_norm: 1.0,
            seed: 17,
            checkpoint_every: 5,
        }
    }

    /// On-policy distillation, the "Distilled" arm: the policy's own rollouts, with the
    /// per-frame KL to the offline teacher as the whole loss (no reward, no adversary).
    pub fn distilled(part: Part, silence_threshold: f64) -> RlSettings {
        let no_reward = RewardWeights { contrastive: 0.0, discriminative: 0.0, rules: 0.0, adversarial: 0.0 };
        RlSettings { kl: 0.0, kl_loss: 1.0, weights: no_reward, ..RlSettings::recipe(part, false, silence_threshold) }
    }

    /// These settings run for `updates`: the warm-up and the discriminator's schedule scale
    /// with them.
    pub fn with_updates(self, updates: u64) -> RlSettings {
        RlSettings {
            updates,
            warmup_updates: (updates / 10).max(1),
            schedule: DiscriminatorSchedule::scaled(updates),
            ..self
        }
    }
}

/// Share of frames where the partner sounds and `part` does not, over `songs`: the silence
/// penalty's threshold (the paper's 4% is its own data's rate).
pub fn silence_rate(songs: &[FrameTracks], part: Part) -> f64 {
    let (mut silent, mut frames) = (0usize, 0usize);
    for song in songs {
        frames += song.len();
        silent += song
            .track(part.partner())
            .iter()
            .zip(song.track(part))
            .filter(|(partner, own)| partner.is_sounding() && !own.is_sounding())
            .count();
    }
    silent as f64 / frames.max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_recipe_has_a_name_of_its_own_and_each_arm_its_part() {
        let mut names: Vec<&str> = Recipe::ALL.iter().map(|r| r.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), Recipe::ALL.len());
        assert_eq!(PostTrained::MelodyRl.settings(0.01).part, Part::Melody);
        assert!(PostTrained::Gapt.settings(0.01).adversarial && !PostTrained::Rl.settings(0.01).adversarial);
        assert_eq!(PostTrained::Distilled.settings(0.01), RlSettings::distilled(Part::Chords, 0.01));
    }
}
