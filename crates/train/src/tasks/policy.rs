//! The online policy's task: next-token prediction over the interleaved stream.

use super::{epoch_steps, in_chunks, scalar};
use crate::batch::StreamBatch;
use crate::loss::{token_cross_entropy, token_nll};
use crate::models::policy::{GruPolicy, PolicyConfig};
use crate::models::transformer::{TransformerConfig, TransformerPolicy};
use crate::trainer::Task;
use burn::prelude::*;
use comper_data::windows::WindowSampler;
use comper_music::{FrameTracks, Part};

/// A model that maps a `[B, T]` stream to `[B, T, V]` next-token logits.
pub trait StreamModel: Module + Clone {
    fn logits(&self, tokens: Tensor<2, Int>) -> Tensor<3>;
}

impl StreamModel for GruPolicy {
    fn logits(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        self.forward(tokens)
    }
}

impl StreamModel for TransformerPolicy {
    fn logits(&self, tokens: Tensor<2, Int>) -> Tensor<3> {
        self.forward(tokens)
    }
}

/// A config that builds a [`StreamModel`].
pub trait StreamModelConfig {
    type Model: StreamModel;
    fn build(&self, device: &Device) -> Self::Model;
}

impl StreamModelConfig for PolicyConfig {
    type Model = GruPolicy;
    fn build(&self, device: &Device) -> GruPolicy {
        self.init(device)
    }
}

impl StreamModelConfig for TransformerConfig {
    type Model = TransformerPolicy;
    fn build(&self, device: &Device) -> TransformerPolicy {
        self.init(device)
    }
}

pub struct PolicyTask<C> {
    pub config: C,
    /// The part the model plays: chords (the policy) or melody (the melody agent).
    pub part: Part,
    pub sampler: WindowSampler,
    pub valid: Vec<FrameTracks>,
    pub batch_size: usize,
    pub window: usize,
}

impl<C: StreamModelConfig> Task for PolicyTask<C> {
    type Model = C::Model;

    fn init_model(&self, device: &Device) -> C::Model {
        self.config.build(device)
    }

    fn train_loss(&self, model: &C::Model, step: u64, device: &Device) -> (Tensor<1>, usize) {
        let batch = StreamBatch::new(&self.sampler.batch(step, self.batch_size), self.part, device);
        (token_cross_entropy(model.logits(batch.input), batch.target), batch.tokens)
    }

    /// Mean loss per token, and separately over chord and melody positions.
    fn validate(&self, model: &C::Model, device: &Device) -> Vec<(String, f64)> {
        let device = device.clone().inner();
        let sums = in_chunks(&self.valid, self.batch_size, |chunk| {
            let batch = StreamBatch::new(chunk, self.part, &device);
            let nll = token_nll(model.logits(batch.input), batch.target.clone());
            let [b, t] = nll.dims();
            // Targets alternate the played part (even index) and the partner's (odd index).
            let parity =
                Tensor::<1, Int>::arange(0..t as i64, &device).remainder_scalar(2).reshape([1, t]).repeat_dim(0, b);
            let chord = parity.clone().equal_elem(if self.part == Part::Chords { 0 } else { 1 }).float();
            let real = batch.target.not_equal_elem(0).float();
            let chord_real = real.clone() * chord;
            (
                scalar((nll.clone() * chord_real.clone()).sum()),
                scalar(chord_real.sum()),
                scalar(nll.sum()),
                scalar(real.sum()),
            )
        });
        let (chord_nll, chords, nll, tokens) =
            sums.iter().fold((0.0, 0.0, 0.0, 0.0), |a, s| (a.0 + s.0, a.1 + s.1, a.2 + s.2, a.3 + s.3));
        vec![
            ("val_loss".into(), nll / tokens.max(1.0)),
            ("val_chord_loss".into(), chord_nll / chords.max(1.0)),
            ("val_melody_loss".into(), (nll - chord_nll) / (tokens - chords).max(1.0)),
        ]
    }

    fn steps_per_epoch(&self) -> u64 {
        epoch_steps(&self.sampler, self.batch_size, self.window)
    }
}
