//! The online policy: a language model over the chord-first interleaved stream. At step t
//! it has seen `BOS y1 x1 … y(t-1) x(t-1)` and predicts `y_t`; it is trained on every next
//! token (chords and melody), as in the seed paper (`docs/method.md`).
//!
//! Every family keeps one contract, the one its ONNX export writes and the plugin runs: a
//! token in, the next token's logits out, and whatever it carries between steps in one
//! float state `[rows, batch, columns]` that starts at zero. Training, RL, export and the
//! card take the family from [`PolicyConfig`]; a new architecture is a module here and one
//! in `export/policy/`, and nothing else names it.

pub mod gru;
pub mod transformer;

use burn::module::{ModuleMapper, Param};
use burn::prelude::*;
use gru::{GruConfig, GruPolicy};
use serde::{Deserialize, Serialize};
use transformer::{TransformerConfig, TransformerPolicy};

/// A policy family with its settings; serialized with its `family` name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "family", rename_all = "lowercase")]
pub enum PolicyConfig {
    Gru(GruConfig),
    Transformer(TransformerConfig),
}

impl Default for PolicyConfig {
    /// The 2×256 GRU: the family and size of every shipped policy.
    fn default() -> Self {
        PolicyConfig::Gru(GruConfig::default())
    }
}

impl PolicyConfig {
    /// Every family at its default settings.
    pub fn families() -> [PolicyConfig; 2] {
        [PolicyConfig::Gru(GruConfig::default()), PolicyConfig::Transformer(TransformerConfig::default())]
    }

    /// The default settings of the family called `name`, as cards and the command line
    /// spell it.
    pub fn family_default(name: &str) -> Result<PolicyConfig, String> {
        PolicyConfig::families().into_iter().find(|c| c.family() == name).ok_or_else(|| {
            let names: Vec<&str> = PolicyConfig::families().iter().map(PolicyConfig::family).collect();
            format!("no policy family '{name}' (the families: {})", names.join(", "))
        })
    }

    pub fn family(&self) -> &'static str {
        match self {
            PolicyConfig::Gru(_) => "gru",
            PolicyConfig::Transformer(_) => "transformer",
        }
    }

    pub fn vocab(&self) -> usize {
        match self {
            PolicyConfig::Gru(c) => c.vocab,
            PolicyConfig::Transformer(c) => c.vocab,
        }
    }

    /// The step state's `[rows, columns]` per stream.
    pub fn state_shape(&self) -> [usize; 2] {
        match self {
            PolicyConfig::Gru(c) => c.state_shape(),
            PolicyConfig::Transformer(c) => c.state_shape(),
        }
    }

    pub fn init(&self, device: &Device) -> Policy {
        match self {
            PolicyConfig::Gru(c) => Policy::Gru(c.init(device)),
            PolicyConfig::Transformer(c) => Policy::Transformer(c.init(device)),
        }
    }
}

#[derive(Module, Debug)]
pub enum Policy {
    Gru(GruPolicy),
    Transformer(TransformerPolicy),
}

impl Policy {
    /// Logits `[B, T, V]` for every position of a `[B, T]` stream, from the zero state.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        match self {
            Policy::Gru(p) => p.forward(tokens),
            Policy::Transformer(p) => p.forward(tokens),
        }
    }

    /// The features `[B, T, W]` the logits are read from: what the critic reads too.
    pub fn features(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        match self {
            Policy::Gru(p) => p.features(tokens),
            Policy::Transformer(p) => p.features(tokens),
        }
    }

    /// The width `W` of [`Policy::features`].
    pub fn width(&self) -> usize {
        match self {
            Policy::Gru(p) => p.gru.hidden(),
            Policy::Transformer(p) => p.width(),
        }
    }

    /// One step: tokens `[B]`, state `[R, B, C]` → logits `[B, V]` and the new state. This is
    /// exactly the function the ONNX export writes.
    pub fn step(&self, token: Tensor<1, Int>, state: Tensor<3>) -> (Tensor<2>, Tensor<3>) {
        match self {
            Policy::Gru(p) => p.step(token, state),
            Policy::Transformer(p) => p.step(token, state),
        }
    }

    /// The state before any token, for `batch` streams.
    pub fn zero_state(&self, batch: usize, device: &Device) -> Tensor<3> {
        let [rows, columns] = match self {
            Policy::Gru(p) => p.state_shape(),
            Policy::Transformer(p) => p.state_shape(),
        };
        Tensor::zeros([rows, batch, columns], device)
    }

    /// A copy whose parameters have the same values and identities of their own, so an
    /// optimizer keeps their state apart from the original's (the critic starts as one).
    pub fn fresh_copy(&self) -> Policy {
        struct Fresh;
        impl ModuleMapper for Fresh {
            fn map_float<const D: usize>(&mut self, param: Param<Tensor<D>>) -> Param<Tensor<D>> {
                Param::from_tensor(param.val().detach())
            }
        }
        self.clone().map(&mut Fresh)
    }
}
