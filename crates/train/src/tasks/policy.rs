//! The online policy's task: next-token prediction over the interleaved stream.

use super::{epoch_steps, in_chunks, scalar};
use crate::batch::StreamBatch;
use crate::loss::{token_cross_entropy, token_nll};
use crate::models::policy::{Policy, PolicyConfig};
use crate::trainer::Task;
use burn::prelude::*;
use comper_data::windows::WindowSampler;
use comper_music::{FrameTracks, Part};

pub struct PolicyTask {
    pub config: PolicyConfig,
    /// The part the model plays: chords (the policy) or melody (the melody agent).
    pub part: Part,
    pub sampler: WindowSampler,
    pub valid: Vec<FrameTracks>,
    pub batch_size: usize,
    pub window: usize,
}

impl Task for PolicyTask {
    type Model = Policy;

    fn init_model(&self, device: &Device) -> Policy {
        self.config.init(device)
    }

    fn train_loss(&self, model: &Policy, step: u64, device: &Device) -> (Tensor<1>, usize) {
        let batch = StreamBatch::new(&self.sampler.batch(step, self.batch_size), self.part, device);
        (token_cross_entropy(model.forward(batch.input), batch.target), batch.tokens)
    }

    /// Mean loss per token, and separately over chord and melody positions.
    fn validate(&self, model: &Policy, device: &Device) -> Vec<(String, f64)> {
        let device = device.clone().inner();
        let sums = in_chunks(&self.valid, self.batch_size, |chunk| {
            let batch = StreamBatch::new(chunk, self.part, &device);
            let nll = token_nll(model.forward(batch.input), batch.target.clone());
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
