//! The PPO critic: the policy's network with a scalar value head, initialised from the
//! policy (`docs/method.md` §4.4) with parameters of its own.

use super::embed_steps;
use super::gru::{Gru, GruLayer};
use super::policy::GruPolicy;
use burn::module::Param;
use burn::nn::{Embedding, Linear, LinearConfig};
use burn::prelude::*;

#[derive(Module, Debug)]
pub struct Critic {
    pub embedding: Embedding,
    pub gru: Gru,
    pub value: Linear,
}

/// A parameter with the same values and a new identity (so the optimizer keeps its state
/// apart from the original's).
fn fresh<const D: usize>(param: &Param<Tensor<D>>) -> Param<Tensor<D>> {
    Param::from_tensor(param.val().detach())
}

fn fresh_linear(linear: &Linear) -> Linear {
    Linear { weight: fresh(&linear.weight), bias: linear.bias.as_ref().map(fresh) }
}

impl Critic {
    /// A critic reading the stream as `policy` does, with a new value head.
    pub fn from_policy(policy: &GruPolicy, device: &Device) -> Critic {
        let layers = policy.gru.layers.iter().map(|l| GruLayer { ih: fresh_linear(&l.ih), hh: fresh_linear(&l.hh) });
        Critic {
            embedding: Embedding { weight: fresh(&policy.embedding.weight) },
            gru: Gru { layers: layers.collect() },
            value: LinearConfig::new(policy.gru.hidden(), 1).init(device),
        }
    }

    /// Values `[B, S]`: the expected return after each token of `[B, S]` stream tokens.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<2> {
        let [b, s] = tokens.dims();
        let device = tokens.device();
        let outputs = self.gru.forward(embed_steps(&self.embedding, &tokens), self.gru.zero_state(b, &device));
        let states: Tensor<3> = Tensor::stack(outputs, 1);
        self.value.forward(states).reshape([b, s])
    }
}
