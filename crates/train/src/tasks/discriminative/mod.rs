//! The pair-discriminative reward's task: real pairs against the negatives of
//! [`negatives`], so the reward judges how each chord fits its notes.

pub mod negatives;

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
use negatives::{Negative, pairs};
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;

/// Seed of the validation negatives: the same for every checkpoint, so their scores compare.
const VALID_SEED: u64 = 0x6e65_6761_7469_7665;

pub struct DiscriminativeTask {
    pub config: DiscriminativeConfig,
    pub sampler: WindowSampler,
    pub valid: Vec<FrameTracks>,
    pub batch_size: usize,
    pub window: usize,
    /// The run's seed: with the step, it draws each training batch's negatives.
    pub seed: u64,
}

impl DiscriminativeTask {
    /// The random draws of training batch `step`'s negatives, on a stream of their own (the
    /// sampler's windows take stream `step` of the same seed; steps never reach 2⁶³).
    fn negatives_rng(&self, step: u64) -> ChaCha8Rng {
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(step | 1 << 63);
        rng
    }
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
        let (examples, labels, _) = pairs(&self.sampler.batch(step, self.batch_size), &mut self.negatives_rng(step));
        let tokens = 2 * examples.iter().map(FrameTracks::len).sum::<usize>();
        let targets = Tensor::from_data(TensorData::new(labels.clone(), [labels.len()]), device);
        (binary_cross_entropy(logits(model, &examples, device), targets), tokens)
    }

    /// Loss, precision/recall/F1 of "belongs together" at P > 0.5, and the share of each kind
    /// of negative turned down.
    fn validate(&self, model: &PairDiscriminator, device: &Device) -> Vec<(String, f64)> {
        let device = device.clone().inner();
        let mut rng = ChaCha8Rng::seed_from_u64(VALID_SEED);
        let results = in_chunks(&self.valid, self.batch_size, |chunk| {
            let (examples, labels, kinds) = pairs(chunk, &mut rng);
            let targets = Tensor::from_data(TensorData::new(labels.clone(), [labels.len()]), &device);
            let z = logits(model, &examples, &device);
            let loss = scalar(binary_cross_entropy(z.clone(), targets)) * labels.len() as f64;
            let z: Vec<f32> = z.into_data().try_to_vec::<f32>().unwrap_or_default();
            let negatives = kinds.into_iter().zip(z[chunk.len()..].iter().map(|&z| z <= 0.0)).collect::<Vec<_>>();
            (loss, z.into_iter().zip(labels).map(|(z, y)| (z > 0.0, y > 0.5)).collect::<Vec<_>>(), negatives)
        });
        let n: usize = results.iter().map(|r| r.1.len()).sum();
        let loss = results.iter().map(|r| r.0).sum::<f64>() / n.max(1) as f64;
        let share_rejected = |kind: Negative| {
            let of_kind: Vec<bool> =
                results.iter().flat_map(|r| &r.2).filter(|(k, _)| *k == kind).map(|&(_, no)| no).collect();
            of_kind.iter().filter(|&&no| no).count() as f64 / of_kind.len().max(1) as f64
        };
        let rejected = Negative::ALL.map(|kind| (format!("rejected_{}", kind.name()), share_rejected(kind)));
        let (p, r, f1) = precision_recall_f1(results.into_iter().flat_map(|r| r.1));
        let mut metrics =
            vec![("val_loss".into(), loss), ("precision".into(), p), ("recall".into(), r), ("f1".into(), f1)];
        metrics.extend(rejected);
        metrics
    }

    fn steps_per_epoch(&self) -> u64 {
        epoch_steps(&self.sampler, self.batch_size, self.window)
    }
}
