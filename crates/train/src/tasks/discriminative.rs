//! The pair-discriminative reward's task: real pairs against melodies paired with another
//! song's chords from the same batch. Each negative and its positive are cut to the same
//! joint length, so a window's length cannot give the label away.

use super::{epoch_steps, in_chunks, scalar};
use crate::batch::{FrameBatch, length_mask};
use crate::loss::binary_cross_entropy;
use crate::metrics::precision_recall_f1;
use crate::models::discriminative::{DiscriminativeConfig, PairDiscriminator};
use crate::trainer::Task;
use burn::prelude::*;
use burn::tensor::TensorData;
use comper_data::windows::WindowSampler;
use comper_music::FrameTracks;

pub struct DiscriminativeTask {
    pub config: DiscriminativeConfig,
    pub sampler: WindowSampler,
    pub valid: Vec<FrameTracks>,
    pub batch_size: usize,
    pub window: usize,
}

/// Positives then negatives (melody of window i+1 over the chords of window i), each pair
/// cut to the joint length of windows i and i+1; labels 1 then 0.
pub fn pairs(windows: &[FrameTracks]) -> (Vec<FrameTracks>, Vec<f32>) {
    let n = windows.len();
    let mut out = Vec::with_capacity(2 * n);
    let joint = |i: usize| windows[i].len().min(windows[(i + 1) % n].len());
    for (i, w) in windows.iter().enumerate() {
        out.push(w.window(0, joint(i)));
    }
    for (i, w) in windows.iter().enumerate() {
        let len = joint(i);
        let other = &windows[(i + 1) % n];
        out.push(FrameTracks { melody: other.melody[..len].to_vec(), chords: w.chords[..len].to_vec() });
    }
    let labels = (0..2 * n).map(|i| if i < n { 1.0 } else { 0.0 }).collect();
    (out, labels)
}

fn logits(model: &PairDiscriminator, windows: &[FrameTracks], device: &Device) -> Tensor<1> {
    let batch = FrameBatch::new(windows, device);
    let mask = length_mask(&batch.lengths, batch.width(), device);
    model.forward(batch.melody, batch.chords, mask)
}

impl Task for DiscriminativeTask {
    type Model = PairDiscriminator;

    fn init_model(&self, device: &Device) -> PairDiscriminator {
        self.config.init(device)
    }

    fn train_loss(&self, model: &PairDiscriminator, step: u64, device: &Device) -> (Tensor<1>, usize) {
        let (examples, labels) = pairs(&self.sampler.batch(step, self.batch_size));
        let tokens = 2 * examples.iter().map(FrameTracks::len).sum::<usize>();
        let targets = Tensor::from_data(TensorData::new(labels.clone(), [labels.len()]), device);
        (binary_cross_entropy(logits(model, &examples, device), targets), tokens)
    }

    /// Loss, and precision/recall/F1 of "belongs together" at P > 0.5.
    fn validate(&self, model: &PairDiscriminator, device: &Device) -> Vec<(String, f64)> {
        let device = device.clone().inner();
        let results = in_chunks(&self.valid, self.batch_size, |chunk| {
            let (examples, labels) = pairs(chunk);
            let targets = Tensor::from_data(TensorData::new(labels.clone(), [labels.len()]), &device);
            let z = logits(model, &examples, &device);
            let loss = scalar(binary_cross_entropy(z.clone(), targets)) * labels.len() as f64;
            let z: Vec<f32> = z.into_data().try_to_vec::<f32>().unwrap_or_default();
            (loss, z.into_iter().zip(labels).map(|(z, y)| (z > 0.0, y > 0.5)).collect::<Vec<_>>())
        });
        let n: usize = results.iter().map(|r| r.1.len()).sum();
        let loss = results.iter().map(|r| r.0).sum::<f64>() / n.max(1) as f64;
        let (p, r, f1) = precision_recall_f1(results.into_iter().flat_map(|r| r.1));
        vec![("val_loss".into(), loss), ("precision".into(), p), ("recall".into(), r), ("f1".into(), f1)]
    }

    fn steps_per_epoch(&self) -> u64 {
        epoch_steps(&self.sampler, self.batch_size, self.window)
    }
}
