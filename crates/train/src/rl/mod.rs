//! RL post-training of the online policy (`docs/method.md` §4): PPO with GAE over chord positions,
//! coherence rewards from the frozen reward models, rule penalties, a per-token KL to the
//! offline teacher, and (GAPT) a chord-only discriminator trained alongside the policy on
//! a two-phase schedule. The RL-only arm is the same loop without the discriminator; the
//! melody agent's RL is the RL-only arm with the roles swapped (`RlSettings::part`).

pub mod gae;
pub mod models;
pub mod penalties;
pub mod report;
pub mod rollout;
pub mod schedule;
pub mod settings;
pub mod state;
pub mod trainer;
mod update;

use crate::checkpoint::{self, CheckpointError};
use crate::models::chord_discriminator::ChordDiscriminatorConfig;
use crate::models::policy::{Policy, PolicyConfig};
use burn::prelude::Device;
use std::path::Path;

/// The policy of an RL checkpoint folder (read on the CPU), for export; `discriminator` is
/// the run's, whose weights the checkpoint holds beside the policy's.
pub fn load_policy(
    checkpoint_dir: &Path,
    config: &PolicyConfig,
    discriminator: &ChordDiscriminatorConfig,
) -> Result<Policy, CheckpointError> {
    let device = Device::flex();
    let blank = models::RlModels::blank(config, discriminator, &device);
    Ok(checkpoint::load_weights(checkpoint_dir, blank)?.policy)
}
