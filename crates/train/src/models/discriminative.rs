//! The pair-discriminative reward: melody and chords of one window → P(they belong
//! together). Negatives pair a melody with another song's chords from the same batch.

use super::gru::Gru;
use super::{embed_steps, masked_mean};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscriminativeConfig {
    pub vocab: usize,
    pub embedding: usize,
    pub hidden: usize,
}

impl Default for DiscriminativeConfig {
    fn default() -> Self {
        DiscriminativeConfig { vocab: VOCAB_SIZE, embedding: 64, hidden: 128 }
    }
}

impl DiscriminativeConfig {
    pub fn init(&self, device: &Device) -> PairDiscriminator {
        PairDiscriminator {
            embedding: EmbeddingConfig::new(self.vocab, self.embedding).init(device),
            gru: Gru::new(2 * self.embedding, self.hidden, 1, device),
            out: LinearConfig::new(self.hidden, 1).init(device),
        }
    }
}

#[derive(Module, Debug)]
pub struct PairDiscriminator {
    pub embedding: Embedding,
    pub gru: Gru,
    pub out: Linear,
}

impl PairDiscriminator {
    /// Logits `[B]` that melody and chords (`[B, T]` each, first `mask` steps real) match.
    pub fn forward(&self, melody: Tensor<2, Int>, chords: Tensor<2, Int>, mask: Tensor<2>) -> Tensor<1> {
        let [b, _] = melody.dims();
        let device = melody.device();
        let inputs = embed_steps(&self.embedding, &melody)
            .into_iter()
            .zip(embed_steps(&self.embedding, &chords))
            .map(|(m, c)| Tensor::cat(vec![m, c], 1))
            .collect();
        let states = self.gru.forward(inputs, self.gru.zero_state(b, &device));
        self.out.forward(masked_mean(Tensor::stack(states, 1), mask)).reshape([b])
    }
}
