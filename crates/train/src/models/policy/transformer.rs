//! A causal transformer policy: pre-norm layers whose attention sees the last `window`
//! tokens, with ALiBi distance biases (Press et al., "Train Short, Test Long", 2022) in
//! place of positions. A step then needs only the last `window` keys and values and
//! computes exactly what training computed, however long the take runs.
//!
//! Its step state is that cache, `[2·layers + 1, batch, window·d]`: per layer a row of keys
//! and a row of values, oldest slot first, and a last row whose first `window` columns mark
//! the slots filled so far (a zero state is an empty cache).

use burn::nn::{Embedding, EmbeddingConfig, LayerNorm, LayerNormConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::TensorData;
use burn::tensor::activation::{gelu, softmax};
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

/// The score of a key attention must not see: far enough below any real score that
/// softmax gives it exactly zero, finite so a masked slot never makes a NaN.
pub const BLOCKED: f32 = -1e9;

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TransformerConfig {
    pub vocab: usize,
    pub d_model: usize,
    pub heads: usize,
    pub layers: usize,
    /// Tokens each position attends to, itself included (two per frame).
    pub window: usize,
}

impl Default for TransformerConfig {
    /// 2 layers of width 128 with 4 heads, attending to the last 4 bars (128 tokens): about
    /// the GRU's parameter count, and a state of 320 KB per stream, which the plugin copies
    /// for each of its 16 chord candidates per frame.
    fn default() -> Self {
        TransformerConfig { vocab: VOCAB_SIZE, d_model: 128, heads: 4, layers: 2, window: 128 }
    }
}

impl TransformerConfig {
    pub fn init(&self, device: &Device) -> TransformerPolicy {
        assert!(
            self.d_model.is_multiple_of(self.heads),
            "d_model {} is not a multiple of {} heads",
            self.d_model,
            self.heads
        );
        assert!(self.window >= 2, "a window of {} tokens cannot hold the token and one before it", self.window);
        let d = self.d_model;
        let layer = || TransformerLayer {
            norm_1: LayerNormConfig::new(d).init(device),
            query: LinearConfig::new(d, d).init(device),
            key: LinearConfig::new(d, d).init(device),
            value: LinearConfig::new(d, d).init(device),
            output: LinearConfig::new(d, d).init(device),
            norm_2: LayerNormConfig::new(d).init(device),
            inner: LinearConfig::new(d, 4 * d).init(device),
            outer: LinearConfig::new(4 * d, d).init(device),
        };
        TransformerPolicy {
            embedding: EmbeddingConfig::new(self.vocab, d).init(device),
            layers: (0..self.layers).map(|_| layer()).collect(),
            norm: LayerNormConfig::new(d).init(device),
            head: LinearConfig::new(d, self.vocab).init(device),
            heads: self.heads,
            window: self.window,
        }
    }

    pub fn state_shape(&self) -> [usize; 2] {
        [2 * self.layers + 1, self.window * self.d_model]
    }
}

/// One pre-norm layer: `x + attention(norm_1(x))`, then `x + outer(gelu(inner(norm_2(x))))`.
#[derive(Module, Debug)]
pub struct TransformerLayer {
    pub norm_1: LayerNorm,
    pub query: Linear,
    pub key: Linear,
    pub value: Linear,
    pub output: Linear,
    pub norm_2: LayerNorm,
    pub inner: Linear,
    pub outer: Linear,
}

impl TransformerLayer {
    fn feed_forward<const D: usize>(&self, x: Tensor<D>) -> Tensor<D> {
        x.clone() + self.outer.forward(gelu(self.inner.forward(self.norm_2.forward(x))))
    }
}

#[derive(Module, Debug)]
pub struct TransformerPolicy {
    pub embedding: Embedding,
    pub layers: Vec<TransformerLayer>,
    pub norm: LayerNorm,
    pub head: Linear,
    pub heads: usize,
    pub window: usize,
}

/// Head `h`'s ALiBi slope of `heads`: a geometric sequence from `2^(-8/heads)` down to `2^-8`.
pub fn alibi_slope(h: usize, heads: usize) -> f32 {
    2f32.powf(-8.0 * (h + 1) as f32 / heads as f32)
}

impl TransformerPolicy {
    pub fn width(&self) -> usize {
        self.norm.gamma.dims()[0]
    }

    pub fn state_shape(&self) -> [usize; 2] {
        [2 * self.layers.len() + 1, self.window * self.width()]
    }

    /// Logits `[B, T, V]` for every position of a `[B, T]` stream, from an empty cache.
    pub fn forward(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        self.head.forward(self.features(tokens))
    }

    /// The final norm's output `[B, T, d]` at every position.
    pub fn features(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        let [b, t] = tokens.dims();
        let (d, h) = (self.width(), self.heads);
        let dh = d / h;
        let bias = self.training_bias(t, &tokens.device());
        let mut x = self.embedding.forward(tokens);
        for layer in &self.layers {
            let n = layer.norm_1.forward(x.clone());
            let split = |y: Tensor<3>| y.reshape([b, t, h, dh]).swap_dims(1, 2);
            let q = split(layer.query.forward(n.clone())).mul_scalar(1.0 / (dh as f32).sqrt());
            let k = split(layer.key.forward(n.clone()));
            let v = split(layer.value.forward(n));
            let weights = softmax(q.matmul(k.swap_dims(2, 3)) + bias.clone(), 3);
            let attended = weights.matmul(v).swap_dims(1, 2).reshape([b, t, d]);
            x = layer.feed_forward(x + layer.output.forward(attended));
        }
        self.norm.forward(x)
    }

    /// `[1, H, T, T]`: for query `i` and key `j`, `-slope·(i - j)` within the window and
    /// [`BLOCKED`] elsewhere (the future, and keys more than a window back).
    fn training_bias(&self, t: usize, device: &Device) -> Tensor<4> {
        let h = self.heads;
        let mut values = Vec::with_capacity(h * t * t);
        for head in 0..h {
            let slope = alibi_slope(head, h);
            for i in 0..t {
                values.extend(
                    (0..t).map(|j| if j <= i && i - j < self.window { -slope * (i - j) as f32 } else { BLOCKED }),
                );
            }
        }
        Tensor::from_data(TensorData::new(values, [1, h, t, t]), device)
    }

    /// `[1, H, 1, W]`: slot `s` of the cache holds the key `W - 1 - s` tokens back.
    pub fn step_bias(&self, device: &Device) -> Tensor<4> {
        let (h, w) = (self.heads, self.window);
        let values: Vec<f32> =
            (0..h).flat_map(|head| (0..w).map(move |s| -alibi_slope(head, h) * (w - 1 - s) as f32)).collect();
        Tensor::from_data(TensorData::new(values, [1, h, 1, w]), device)
    }

    /// One step: tokens `[B]`, the cache `[2L + 1, B, W·d]` → logits `[B, V]` and the cache
    /// with this token's keys and values in its newest slot. The ONNX export writes this.
    pub fn step(&self, token: Tensor<1, Int>, state: Tensor<3>) -> (Tensor<2>, Tensor<3>) {
        let [rows, b, columns] = state.dims();
        let (d, h, w) = (self.width(), self.heads, self.window);
        let dh = d / h;
        let device = state.device();
        let row = |r: usize| state.clone().slice_dim(0, r..r + 1).reshape([b, columns]);
        // Slide every row one slot: the oldest leaves, the new token takes the last.
        let slide = |r: usize, newest: Tensor<2>| {
            Tensor::cat(vec![row(r).reshape([b, w, d]).slice_dim(1, 1..w), newest.reshape([b, 1, d])], 1)
        };
        let filled = Tensor::cat(vec![row(rows - 1).slice_dim(1, 1..w), Tensor::ones([b, 1], &device)], 1);
        let blocked = filled.clone().neg().add_scalar(1.0).mul_scalar(BLOCKED).reshape([b, 1, 1, w]);
        let bias = self.step_bias(&device) + blocked;
        let mut x = self.embedding.forward(token.reshape([b, 1])).reshape([b, d]);
        let mut new_rows = Vec::with_capacity(rows);
        for (l, layer) in self.layers.iter().enumerate() {
            let n = layer.norm_1.forward(x.clone());
            let q = layer.query.forward(n.clone()).reshape([b, h, 1, dh]).mul_scalar(1.0 / (dh as f32).sqrt());
            let keys = slide(2 * l, layer.key.forward(n.clone()));
            let values = slide(2 * l + 1, layer.value.forward(n));
            let k = keys.clone().reshape([b, w, h, dh]).permute([0, 2, 3, 1]);
            let weights = softmax(q.matmul(k) + bias.clone(), 3);
            let v = values.clone().reshape([b, w, h, dh]).swap_dims(1, 2);
            let attended = weights.matmul(v).reshape([b, d]);
            x = layer.feed_forward(x + layer.output.forward(attended));
            new_rows.push(keys.reshape([1, b, columns]));
            new_rows.push(values.reshape([1, b, columns]));
        }
        // The rest of the last row is unused and carried through as it came (zero).
        let unused = row(rows - 1).slice_dim(1, w..columns);
        new_rows.push(Tensor::cat(vec![filled, unused], 1).reshape([1, b, columns]));
        (self.head.forward(self.norm.forward(x)), Tensor::cat(new_rows, 0))
    }
}
