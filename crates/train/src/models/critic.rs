//! The PPO critic: the policy's network with a scalar value head, initialised from the
//! policy (`docs/method.md` §4.4) with parameters of its own.

use super::policy::Policy;
use burn::nn::{Linear, LinearConfig};
use burn::prelude::*;

#[derive(Module, Debug)]
pub struct Critic {
    /// A copy of the policy; its logits head goes unused.
    pub body: Policy,
    pub value: Linear,
}

impl Critic {
    /// A critic reading the stream as `policy` does, with a new value head.
    pub fn from_policy(policy: &Policy, device: &Device) -> Critic {
        Critic { body: policy.fresh_copy(), value: LinearConfig::new(policy.width(), 1).init(device) }
    }

    /// Values `[B, S]`: the expected return after each token of `[B, S]` stream tokens.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<2> {
        let [b, s] = tokens.dims();
        self.value.forward(self.body.features(tokens)).reshape([b, s])
    }
}
