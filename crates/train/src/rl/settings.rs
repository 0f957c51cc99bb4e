//! The settings of an RL run (`docs/method.md` §4): what the policy plays, the PPO and GAPT
//! hyper-parameters, and the weights of the reward terms.

use super::penalties::PenaltySettings;
use super::schedule::DiscriminatorSchedule;
use crate::models::chord_discriminator::ChordDiscriminatorConfig;
use comper_music::Part;
use serde::{Deserialize, Serialize};

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
    /// The GAPT discriminator's network (absent in runs from before it was a setting: the
    /// default).
    #[serde(default)]
    pub discriminator: ChordDiscriminatorConfig,
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
