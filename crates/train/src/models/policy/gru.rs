//! The GRU policy: an embedding, stacked GRU layers and a linear head. Its step state is
//! the layers' hidden states, `[layers, batch, hidden]`.

use crate::models::embed_steps;
use crate::models::gru::Gru;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GruConfig {
    pub vocab: usize,
    pub embedding: usize,
    pub hidden: usize,
    pub layers: usize,
}

impl Default for GruConfig {
    /// 2×256 GRU: the size of every shipped policy.
    fn default() -> Self {
        GruConfig { vocab: VOCAB_SIZE, embedding: 128, hidden: 256, layers: 2 }
    }
}

impl GruConfig {
    pub fn init(&self, device: &Device) -> GruPolicy {
        GruPolicy {
            embedding: EmbeddingConfig::new(self.vocab, self.embedding).init(device),
            gru: Gru::new(self.embedding, self.hidden, self.layers, device),
            head: LinearConfig::new(self.hidden, self.vocab).init(device),
        }
    }

    pub fn state_shape(&self) -> [usize; 2] {
        [self.layers, self.hidden]
    }
}

#[derive(Module, Debug)]
pub struct GruPolicy {
    pub embedding: Embedding,
    pub gru: Gru,
    pub head: Linear,
}

impl GruPolicy {
    /// Logits `[B, T, V]` for every position of a `[B, T]` stream, from a zero state.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        self.head.forward(self.features(tokens))
    }

    /// The top layer's output `[B, T, H]` at every position.
    pub fn features(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let [b, _] = tokens.dims();
        let device = tokens.device();
        Tensor::stack(self.gru.forward(embed_steps(&self.embedding, &tokens), self.gru.zero_state(b, &device)), 1)
    }

    /// One step: tokens `[B]`, state `[L, B, H]` → logits `[B, V]` and the new state.
    pub fn step(&self, token: Tensor<1, Int>, state: Tensor<3>) -> (Tensor<2>, Tensor<3>) {
        let [layers, b, _] = state.dims();
        let mut hs: Vec<Tensor<2>> =
            (0..layers).map(|l| state.clone().slice_dim(0, l..l + 1).reshape([b as i32, -1])).collect();
        let x = self.embedding.forward(token.reshape([b, 1])).reshape([b as i32, -1]);
        let top = self.gru.step(x, &mut hs);
        (self.head.forward(top), Tensor::stack(hs, 0))
    }

    pub fn state_shape(&self) -> [usize; 2] {
        [self.gru.layers.len(), self.gru.hidden()]
    }
}
