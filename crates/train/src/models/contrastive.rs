//! The contrastive reward: a melody tower and a chord tower map a window to unit vectors;
//! trained with symmetric InfoNCE over the batch; the reward is their cosine similarity.
//! The chord tower also embeds chord sequences for the Vendi diversity score.

use super::gru::Gru;
use super::{embed_steps, masked_mean};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::activation::relu;
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ContrastiveConfig {
    pub vocab: usize,
    pub embedding: usize,
    pub hidden: usize,
    pub output: usize,
}

impl Default for ContrastiveConfig {
    fn default() -> Self {
        ContrastiveConfig { vocab: VOCAB_SIZE, embedding: 64, hidden: 128, output: 128 }
    }
}

impl ContrastiveConfig {
    pub fn init(&self, device: &Device) -> ContrastiveReward {
        let tower = || Tower {
            embedding: EmbeddingConfig::new(self.vocab, self.embedding).init(device),
            gru: Gru::new(self.embedding, self.hidden, 1, device),
            hidden: LinearConfig::new(self.hidden, self.hidden).init(device),
            out: LinearConfig::new(self.hidden, self.output).init(device),
        };
        ContrastiveReward {
            melody: tower(),
            chords: tower(),
            // ln(1/0.07), CLIP's initial temperature.
            logit_scale: burn::module::Param::from_tensor(Tensor::from_floats([2.6593f32], device)),
        }
    }
}

/// One encoder: GRU → masked mean → MLP → unit vector.
#[derive(Module, Debug)]
pub struct Tower {
    pub embedding: Embedding,
    pub gru: Gru,
    pub hidden: Linear,
    pub out: Linear,
}

impl Tower {
    /// Unit vectors `[B, D]` for `[B, T]` tokens of which the first `mask`-marked are real.
    pub fn forward(&self, tokens: Tensor<2, Int>, mask: Tensor<2>) -> Tensor<2> {
        let [b, _] = tokens.dims();
        let device = tokens.device();
        let states = self.gru.forward(embed_steps(&self.embedding, &tokens), self.gru.zero_state(b, &device));
        let pooled = masked_mean(Tensor::stack(states, 1), mask);
        let v = self.out.forward(relu(self.hidden.forward(pooled)));
        let norm = v.clone().square().sum_dim(1).sqrt().clamp_min(1e-6);
        v / norm
    }
}

#[derive(Module, Debug)]
pub struct ContrastiveReward {
    pub melody: Tower,
    pub chords: Tower,
    pub logit_scale: burn::module::Param<Tensor<1>>,
}

impl ContrastiveReward {
    /// Similarity logits `[B, B]` (melody i vs chords j), scaled by exp(logit_scale).
    pub fn logits(&self, melody: Tensor<2>, chords: Tensor<2>) -> Tensor<2> {
        let scale = self.logit_scale.val().clamp_max(4.6052).exp(); // at most 100, as CLIP
        melody.matmul(chords.transpose()) * scale.unsqueeze()
    }
}
