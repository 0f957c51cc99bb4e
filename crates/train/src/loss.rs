//! Losses written once for every model.

use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use burn::tensor::activation::log_softmax;
use comper_music::Token;

/// Mean cross-entropy of `[B, T, V]` logits against `[B, T]` targets, PAD ignored.
pub fn token_cross_entropy(logits: Tensor<3>, targets: Tensor<2, Int>) -> Tensor<1> {
    let [b, t, v] = logits.dims();
    let loss = CrossEntropyLossConfig::new().with_pad_tokens(Some(vec![Token::PAD.id()])).init(&logits.device());
    loss.forward(logits.reshape([b * t, v]), targets.reshape([b * t]))
}

/// Per-token negative log-likelihood `[B, T]` (0 where the target is PAD).
pub fn token_nll(logits: Tensor<3>, targets: Tensor<2, Int>) -> Tensor<2> {
    let [b, t, _] = logits.dims();
    let picked = log_softmax(logits, 2).gather(2, targets.clone().reshape([b, t, 1])).reshape([b, t]);
    let real = targets.not_equal_elem(Token::PAD.id() as i64).float();
    -(picked * real)
}

/// Binary cross-entropy with logits, `targets` in [0, 1] (soft labels allowed).
pub fn binary_cross_entropy(logits: Tensor<1>, targets: Tensor<1>) -> Tensor<1> {
    // max(x, 0) − x·y + log(1 + e^−|x|): stable for any logit.
    let relu = logits.clone().clamp_min(0.0);
    let soft = logits.clone().abs().neg().exp().add_scalar(1.0).log();
    (relu - logits * targets + soft).mean()
}
