//! One [`Task`](crate::trainer::Task) per model: how to batch its data, its loss and its
//! validation metrics.

pub mod contrastive;
pub mod discriminative;
pub mod policy;
pub mod teacher;

use burn::prelude::*;
use comper_data::windows::WindowSampler;
use comper_music::FrameTracks;

/// Steps that show the model as many frames as the training split holds.
pub(crate) fn epoch_steps(sampler: &WindowSampler, batch_size: usize, window: usize) -> u64 {
    (sampler.total_frames() / (batch_size * window).max(1)).max(1) as u64
}

/// Run `f` over `windows` in chunks of `size` and collect the results.
pub(crate) fn in_chunks<R>(windows: &[FrameTracks], size: usize, mut f: impl FnMut(&[FrameTracks]) -> R) -> Vec<R> {
    windows.chunks(size.max(1)).map(&mut f).collect()
}

/// A scalar tensor's value.
pub(crate) fn scalar(t: Tensor<1>) -> f64 {
    f64::from(t.into_scalar::<f32>())
}
