//! The offline teacher φ(y | x): it sees the whole partner track of a window (a
//! bidirectional GRU encoder) and decodes its own part autoregressively (a GRU fed its
//! previous token and the encoding of the current frame). It is the KL anchor for RL: the
//! chord policy's teacher hears the melody; the melody agent's hears the chords.

use super::gru::Gru;
use super::{embed_step, embed_steps};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeacherConfig {
    pub vocab: usize,
    pub embedding: usize,
    pub encoder_hidden: usize,
    pub decoder_hidden: usize,
}

impl Default for TeacherConfig {
    fn default() -> Self {
        TeacherConfig { vocab: VOCAB_SIZE, embedding: 96, encoder_hidden: 128, decoder_hidden: 256 }
    }
}

impl TeacherConfig {
    pub fn init(&self, device: &Device) -> Teacher {
        Teacher {
            embedding: EmbeddingConfig::new(self.vocab, self.embedding).init(device),
            forward_encoder: Gru::new(self.embedding, self.encoder_hidden, 1, device),
            backward_encoder: Gru::new(self.embedding, self.encoder_hidden, 1, device),
            decoder: Gru::new(self.embedding + 2 * self.encoder_hidden, self.decoder_hidden, 1, device),
            head: LinearConfig::new(self.decoder_hidden, self.vocab).init(device),
        }
    }
}

#[derive(Module, Debug)]
pub struct Teacher {
    pub embedding: Embedding,
    pub forward_encoder: Gru,
    pub backward_encoder: Gru,
    pub decoder: Gru,
    pub head: Linear,
}

impl Teacher {
    /// Logits `[B, T, V]` of its own part: position t predicts frame t from the whole
    /// partner track and its own frames before t (`own_in`, shifted right behind BOS).
    pub fn forward(&self, partner: Tensor<2, Int>, own_in: Tensor<2, Int>) -> Tensor<3> {
        let [b, t] = partner.dims();
        let device = partner.device();
        let steps = embed_steps(&self.embedding, &partner);
        let forward = self.forward_encoder.forward(steps.clone(), self.forward_encoder.zero_state(b, &device));
        let mut backward = self
            .backward_encoder
            .forward(steps.into_iter().rev().collect(), self.backward_encoder.zero_state(b, &device));
        backward.reverse();
        let inputs = (0..t)
            .zip(forward.into_iter().zip(backward))
            .map(|(i, (f, r))| Tensor::cat(vec![embed_step(&self.embedding, &own_in, i), f, r], 1))
            .collect();
        let outputs = self.decoder.forward(inputs, self.decoder.zero_state(b, &device));
        self.head.forward(Tensor::stack(outputs, 1))
    }
}
