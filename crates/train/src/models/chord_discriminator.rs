//! The GAPT discriminator D(y): a chord track alone → is it real (from the data) or the
//! policy's? It never sees the melody, so it learns a prior of realistic progressions
//! (`docs/method.md` §4.5). Trained from scratch during RL.

use super::gru::Gru;
use super::{embed_steps, masked_mean};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChordDiscriminatorConfig {
    pub vocab: usize,
    pub embedding: usize,
    pub hidden: usize,
}

impl Default for ChordDiscriminatorConfig {
    fn default() -> Self {
        ChordDiscriminatorConfig { vocab: VOCAB_SIZE, embedding: 48, hidden: 96 }
    }
}

impl ChordDiscriminatorConfig {
    pub fn init(&self, device: &Device) -> ChordDiscriminator {
        ChordDiscriminator {
            embedding: EmbeddingConfig::new(self.vocab, self.embedding).init(device),
            gru: Gru::new(self.embedding, self.hidden, 1, device),
            out: LinearConfig::new(self.hidden, 2).init(device),
        }
    }
}

#[derive(Module, Debug)]
pub struct ChordDiscriminator {
    pub embedding: Embedding,
    pub gru: Gru,
    pub out: Linear,
}

impl ChordDiscriminator {
    /// Logits `[B, 2]` (generated, real) for `[B, T]` chord tracks.
    pub fn forward(&self, chords: Tensor<2, Int>, mask: Tensor<2>) -> Tensor<2> {
        let [b, _] = chords.dims();
        let device = chords.device();
        let states = self.gru.forward(embed_steps(&self.embedding, &chords), self.gru.zero_state(b, &device));
        self.out.forward(masked_mean(Tensor::stack(states, 1), mask))
    }
}
