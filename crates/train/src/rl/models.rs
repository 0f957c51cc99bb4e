//! The networks of an RL run: those PPO trains and the frozen ones the reward and the KL
//! come from.

use crate::models::chord_discriminator::{ChordDiscriminator, ChordDiscriminatorConfig};
use crate::models::contrastive::ContrastiveReward;
use crate::models::critic::Critic;
use crate::models::discriminative::PairDiscriminator;
use crate::models::policy::{Policy, PolicyConfig};
use crate::models::teacher::Teacher;
use burn::prelude::*;

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
