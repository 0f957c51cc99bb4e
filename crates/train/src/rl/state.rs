//! Where an RL run stands, as its checkpoints keep it: its settings, the updates done and
//! each update's log line.

use super::settings::RlSettings;
use serde::{Deserialize, Serialize};

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
    /// Chord changes per bar and pitch classes per sounding chord of the rollouts: a policy
    /// that buys harmony with fewer or denser chords shows here (the partner's chords when the
    /// policy plays the melody; absent in runs from before they were logged).
    #[serde(default)]
    pub changes_per_bar: f64,
    #[serde(default)]
    pub pitch_classes: f64,
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
