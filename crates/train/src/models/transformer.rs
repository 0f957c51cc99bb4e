//! A small causal transformer over the same stream, trained only to compare against the
//! GRU policy (validation loss, tokens/s); the plugin ships whichever wins.

use burn::nn::attention::generate_autoregressive_mask;
use burn::nn::transformer::{TransformerEncoder, TransformerEncoderConfig, TransformerEncoderInput};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransformerConfig {
    pub vocab: usize,
    pub d_model: usize,
    pub heads: usize,
    pub layers: usize,
    pub max_len: usize,
}

impl Default for TransformerConfig {
    /// 4 layers, d 256, 4 heads: the comparison model.
    fn default() -> Self {
        TransformerConfig { vocab: VOCAB_SIZE, d_model: 256, heads: 4, layers: 4, max_len: 514 }
    }
}

impl TransformerConfig {
    pub fn init(&self, device: &Device) -> TransformerPolicy {
        TransformerPolicy {
            tokens: EmbeddingConfig::new(self.vocab, self.d_model).init(device),
            positions: EmbeddingConfig::new(self.max_len, self.d_model).init(device),
            encoder: TransformerEncoderConfig::new(self.d_model, 4 * self.d_model, self.heads, self.layers)
                .with_dropout(0.1)
                .with_norm_first(true)
                .init(device),
            head: LinearConfig::new(self.d_model, self.vocab).init(device),
        }
    }
}

#[derive(Module, Debug)]
pub struct TransformerPolicy {
    pub tokens: Embedding,
    pub positions: Embedding,
    pub encoder: TransformerEncoder,
    pub head: Linear,
}

impl TransformerPolicy {
    /// Logits `[B, T, V]` with a causal mask.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let [b, t] = tokens.dims();
        let device = tokens.device();
        let positions = Tensor::<1, Int>::arange(0..t as i64, &device).reshape([1, t]).repeat_dim(0, b);
        let x = self.tokens.forward(tokens) + self.positions.forward(positions);
        let mask = generate_autoregressive_mask(b, t, &device);
        self.head.forward(self.encoder.forward(TransformerEncoderInput::new(x).mask_attn(mask)))
    }
}
