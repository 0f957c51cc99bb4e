//! The contrastive reward's task: symmetric InfoNCE between melody and chord towers.

use super::{epoch_steps, in_chunks, scalar};
use crate::batch::{FrameBatch, length_mask};
use crate::metrics::{recall_at_k, transpose};
use crate::models::contrastive::{ContrastiveConfig, ContrastiveReward};
use crate::trainer::Task;
use burn::nn::loss::CrossEntropyLossConfig;
use burn::prelude::*;
use comper_data::windows::WindowSampler;
use comper_music::FrameTracks;

pub struct ContrastiveTask {
    pub config: ContrastiveConfig,
    pub sampler: WindowSampler,
    pub valid: Vec<FrameTracks>,
    pub batch_size: usize,
    pub window: usize,
}

/// Unit embeddings `(melody, chords)` `[B, D]` of a batch of windows.
pub fn embed(model: &ContrastiveReward, windows: &[FrameTracks], device: &Device) -> (Tensor<2>, Tensor<2>) {
    let batch = FrameBatch::new(windows, device);
    let mask = length_mask(&batch.lengths, batch.width(), device);
    (model.melody.forward(batch.melody, mask.clone()), model.chords.forward(batch.chords, mask))
}

fn info_nce(model: &ContrastiveReward, windows: &[FrameTracks], device: &Device) -> Tensor<1> {
    let (m, c) = embed(model, windows, device);
    let logits = model.logits(m, c);
    let n = windows.len();
    let labels = Tensor::<1, Int>::arange(0..n as i64, device);
    let ce = CrossEntropyLossConfig::new().init(device);
    (ce.forward(logits.clone(), labels.clone()) + ce.forward(logits.transpose(), labels)).div_scalar(2.0)
}

impl Task for ContrastiveTask {
    type Model = ContrastiveReward;

    fn init_model(&self, device: &Device) -> ContrastiveReward {
        self.config.init(device)
    }

    fn train_loss(&self, model: &ContrastiveReward, step: u64, device: &Device) -> (Tensor<1>, usize) {
        let windows = self.sampler.batch(step, self.batch_size);
        let tokens = 2 * windows.iter().map(FrameTracks::len).sum::<usize>();
        (info_nce(model, &windows, device), tokens)
    }

    /// InfoNCE on validation batches, and retrieval recall@1/5/10 among all validation
    /// windows (melody → chords and chords → melody).
    fn validate(&self, model: &ContrastiveReward, device: &Device) -> Vec<(String, f64)> {
        let device = device.clone().inner();
        let full: Vec<&[FrameTracks]> = self.valid.chunks(self.batch_size).filter(|c| c.len() > 1).collect();
        let loss = full.iter().map(|c| scalar(info_nce(model, c, &device))).sum::<f64>() / full.len().max(1) as f64;
        let parts = in_chunks(&self.valid, self.batch_size, |chunk| embed(model, chunk, &device));
        let (ms, cs): (Vec<_>, Vec<_>) = parts.into_iter().unzip();
        let n = self.valid.len();
        let sim: Vec<f32> = Tensor::cat(ms, 0)
            .matmul(Tensor::cat(cs, 0).transpose())
            .into_data()
            .try_to_vec::<f32>()
            .unwrap_or_default();
        let sim_t = transpose(&sim, n);
        let mut metrics = vec![("val_loss".to_string(), loss), ("retrieval_pool".to_string(), n as f64)];
        for k in [1, 5, 10] {
            metrics.push((format!("melody_to_chords_r@{k}"), recall_at_k(&sim, n, k)));
            metrics.push((format!("chords_to_melody_r@{k}"), recall_at_k(&sim_t, n, k)));
        }
        metrics
    }

    fn steps_per_epoch(&self) -> u64 {
        epoch_steps(&self.sampler, self.batch_size, self.window)
    }
}
