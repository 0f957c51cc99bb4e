//! The networks: the online policy (`policy/`, one module per family), the offline teacher, the two reward models, and RL's critic and chord discriminator. Each has a serde config that model cards
//! record and that the ONNX export reads.

pub mod chord_discriminator;
pub mod contrastive;
pub mod critic;
pub mod discriminative;
pub mod gru;
pub mod policy;
pub mod teacher;

use burn::nn::Embedding;
use burn::prelude::*;

/// Embed column `t` of a `[B, T]` token tensor: `[B, E]`.
pub(crate) fn embed_step(embedding: &Embedding, tokens: &Tensor<2, Int>, t: usize) -> Tensor<2> {
    let [b, _] = tokens.dims();
    let column = tokens.clone().slice([0..b, t..t + 1]);
    embedding.forward(column).reshape([b as i32, -1])
}

/// Embed every step of a `[B, T]` token tensor as a list of `[B, E]` tensors.
pub(crate) fn embed_steps(embedding: &Embedding, tokens: &Tensor<2, Int>) -> Vec<Tensor<2>> {
    (0..tokens.dims()[1]).map(|t| embed_step(embedding, tokens, t)).collect()
}

/// Mean of `[B, T, H]` over the first `lengths[b]` steps: `[B, H]`.
pub(crate) fn masked_mean(states: Tensor<3>, mask: Tensor<2>) -> Tensor<2> {
    let [b, t, _] = states.dims();
    let mask = mask.reshape([b, t, 1]);
    let count = mask.clone().sum_dim(1).clamp_min(1.0);
    (states * mask).sum_dim(1).div(count).reshape([b as i32, -1])
}
