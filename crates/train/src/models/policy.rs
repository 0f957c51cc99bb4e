//! The online policy: a GRU language model over the chord-first interleaved stream.
//! At step t it has seen `BOS y1 x1 … y(t-1) x(t-1)` and predicts `y_t`; it is trained on
//! every next token (chords and melody), as in the seed paper.

use super::embed_steps;
use super::gru::Gru;
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PolicyConfig {
    pub vocab: usize,
    pub embedding: usize,
    pub hidden: usize,
    pub layers: usize,
}

impl Default for PolicyConfig {
    /// 2×256 GRU: the size of every shipped policy.
    fn default() -> Self {
        PolicyConfig { vocab: VOCAB_SIZE, embedding: 128, hidden: 256, layers: 2 }
    }
}

impl PolicyConfig {
    pub fn init(&self, device: &Device) -> GruPolicy {
        GruPolicy {
            embedding: EmbeddingConfig::new(self.vocab, self.embedding).init(device),
            gru: Gru::new(self.embedding, self.hidden, self.layers, device),
            head: LinearConfig::new(self.hidden, self.vocab).init(device),
        }
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
        let [b, _] = tokens.dims();
        let device = tokens.device();
        let outputs = self.gru.forward(embed_steps(&self.embedding, &tokens), self.gru.zero_state(b, &device));
        self.head.forward(Tensor::stack(outputs, 1))
    }

    /// One step: tokens `[B]`, state `[L, B, H]` → logits `[B, V]` and the new state.
    /// This is exactly the function the ONNX export writes.
    pub fn step(&self, token: Tensor<1, Int>, state: Tensor<3>) -> (Tensor<2>, Tensor<3>) {
        let [layers, b, _] = state.dims();
        let mut hs: Vec<Tensor<2>> =
            (0..layers).map(|l| state.clone().slice_dim(0, l..l + 1).reshape([b as i32, -1])).collect();
        let x = self.embedding.forward(token.reshape([b, 1])).reshape([b as i32, -1]);
        let top = self.gru.step(x, &mut hs);
        (self.head.forward(top), Tensor::stack(hs, 0))
    }

    /// Zero recurrent state `[L, B, H]`.
    pub fn zero_state(&self, batch: usize, device: &Device) -> Tensor<3> {
        Tensor::zeros([self.gru.layers.len(), batch, self.gru.hidden()], device)
    }
}
