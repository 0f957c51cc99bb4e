//! The offline teacher's task: one part given the whole window of its partner (chords from
//! the melody for the chord policy's teacher, the melody from the chords for the agent's).

use super::{epoch_steps, in_chunks, scalar};
use crate::batch::FrameBatch;
use crate::loss::{token_cross_entropy, token_nll};
use crate::models::teacher::{Teacher, TeacherConfig};
use crate::trainer::Task;
use burn::prelude::*;
use comper_data::windows::WindowSampler;
use comper_music::{FrameTracks, Part};

pub struct TeacherTask {
    pub config: TeacherConfig,
    /// The part the teacher predicts.
    pub part: Part,
    pub sampler: WindowSampler,
    pub valid: Vec<FrameTracks>,
    pub batch_size: usize,
    pub window: usize,
}

impl Task for TeacherTask {
    type Model = Teacher;

    fn init_model(&self, device: &Device) -> Teacher {
        self.config.init(device)
    }

    fn train_loss(&self, model: &Teacher, step: u64, device: &Device) -> (Tensor<1>, usize) {
        let batch = FrameBatch::new(&self.sampler.batch(step, self.batch_size), device);
        let tokens = batch.lengths.iter().sum();
        let logits = model.forward(batch.track(self.part.partner()), batch.shifted(self.part));
        (token_cross_entropy(logits, batch.track(self.part)), tokens)
    }

    fn validate(&self, model: &Teacher, device: &Device) -> Vec<(String, f64)> {
        let device = device.clone().inner();
        let sums = in_chunks(&self.valid, self.batch_size, |chunk| {
            let batch = FrameBatch::new(chunk, &device);
            let logits = model.forward(batch.track(self.part.partner()), batch.shifted(self.part));
            let nll = token_nll(logits, batch.track(self.part));
            (scalar(nll.sum()), batch.lengths.iter().sum::<usize>() as f64)
        });
        let (nll, n) = sums.iter().fold((0.0, 0.0), |a, s| (a.0 + s.0, a.1 + s.1));
        vec![("val_loss".into(), nll / n.max(1.0))]
    }

    fn steps_per_epoch(&self) -> u64 {
        epoch_steps(&self.sampler, self.batch_size, self.window)
    }
}
