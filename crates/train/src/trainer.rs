//! The training loop every model shares: AdamW with warm-up and cosine decay, gradient
//! clipping, validation each epoch, checkpoints with resume, a progress bar with ETA, and
//! metrics as CSV, JSON and PNG curves.

use crate::checkpoint::{self, CheckpointError};
use crate::schedule::WarmupCosine;
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, GradientsParams, ModuleOptimizer};
use burn::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// What one model's training needs to provide.
pub trait Task {
    type Model: Module + Clone;

    fn init_model(&self, device: &Device) -> Self::Model;
    /// The loss on training batch `step` and the number of target tokens it covers.
    fn train_loss(&self, model: &Self::Model, step: u64, device: &Device) -> (Tensor<1>, usize);
    /// Validation metrics of a model in validation mode; the first is the loss.
    fn validate(&self, model: &Self::Model, device: &Device) -> Vec<(String, f64)>;
    /// Training steps that cover the training split once.
    fn steps_per_epoch(&self) -> u64;
}

/// Optimization settings; recorded in checkpoints and model cards.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TrainSettings {
    pub steps: u64,
    pub batch_size: usize,
    pub learning_rate: f64,
    pub warmup_steps: u64,
    pub weight_decay: f64,
    pub grad_clip_norm: f64,
    pub seed: u64,
    pub checkpoint_every: u64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TrainRow {
    pub step: u64,
    pub learning_rate: f64,
    pub loss: f64,
    pub tokens_per_second: f64,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ValidRow {
    pub step: u64,
    pub epoch: f64,
    pub metrics: BTreeMap<String, f64>,
}

/// Everything a run has done so far; saved with each checkpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunState {
    pub settings: TrainSettings,
    pub parameters: usize,
    pub step: u64,
    pub tokens: u64,
    pub seconds: f64,
    pub train: Vec<TrainRow>,
    pub valid: Vec<ValidRow>,
}

impl RunState {
    /// Mean training throughput over the run.
    pub fn tokens_per_second(&self) -> f64 {
        if self.seconds > 0.0 { self.tokens as f64 / self.seconds } else { 0.0 }
    }

    /// The last validation metrics.
    pub fn last_valid(&self) -> Option<&BTreeMap<String, f64>> {
        self.valid.last().map(|v| &v.metrics)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainError {
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("{0} holds a run with other settings; pass --fresh to start over or choose another --out")]
    SettingsMismatch(String),
    #[error("cannot write training metrics: {0}")]
    Metrics(String),
}

/// Train `task` towards `settings.steps`, resuming from `run_dir`'s checkpoint if there is
/// one, and stopping early at step `until` if given (to train in time-boxed chunks).
/// Returns the model (in validation mode) and the run's record.
pub fn train<T: Task>(
    task: &T,
    settings: &TrainSettings,
    run_dir: &Path,
    device: &Device,
    show_progress: bool,
    until: Option<u64>,
) -> Result<(T::Model, RunState), TrainError> {
    device.seed(settings.seed);
    let mut model = task.init_model(device);
    let mut optimizer: ModuleOptimizer = AdamWConfig::new()
        .with_weight_decay(settings.weight_decay as f32)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(settings.grad_clip_norm as f32)))
        .init();
    let mut state = RunState {
        settings: settings.clone(),
        parameters: model.num_params(),
        step: 0,
        tokens: 0,
        seconds: 0.0,
        train: Vec::new(),
        valid: Vec::new(),
    };
    if let Some(dir) = checkpoint::latest(run_dir) {
        let (m, o, s): (T::Model, ModuleOptimizer, RunState) = checkpoint::load(&dir, model, optimizer)?;
        if s.settings != *settings {
            return Err(TrainError::SettingsMismatch(run_dir.display().to_string()));
        }
        (model, optimizer, state) = (m, o, s);
    }
    let schedule = WarmupCosine {
        peak: settings.learning_rate,
        warmup_steps: settings.warmup_steps,
        total_steps: settings.steps,
        floor: 0.1,
    };
    let epoch_steps = task.steps_per_epoch().max(1);
    let progress = if show_progress { ProgressBar::new(settings.steps) } else { ProgressBar::hidden() };
    progress.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} steps [{elapsed_precise} < {eta_precise}] {msg}")
            .expect("valid template"),
    );
    progress.set_position(state.step);
    let mut window_start = Instant::now();
    let mut window_tokens = 0usize;
    let stop = until.unwrap_or(settings.steps).min(settings.steps);
    while state.step < stop {
        let step = state.step;
        let started = Instant::now();
        let (loss, tokens) = task.train_loss(&model, step, device);
        let loss_value = f64::from(loss.clone().into_scalar::<f32>());
        let grads = GradientsParams::from_grads(loss.backward(), &model);
        let learning_rate = schedule.at(step);
        model = optimizer.step(learning_rate, model, grads);
        state.seconds += started.elapsed().as_secs_f64();
        state.tokens += tokens as u64;
        state.step += 1;
        window_tokens += tokens;
        let tokens_per_second = window_tokens as f64 / window_start.elapsed().as_secs_f64().max(1e-9);
        state.train.push(TrainRow { step: state.step, learning_rate, loss: loss_value, tokens_per_second });
        progress.set_position(state.step);
        progress.set_message(format!("loss {loss_value:.3}, {tokens_per_second:.0} tok/s"));
        if state.step.is_multiple_of(20) {
            window_start = Instant::now();
            window_tokens = 0;
        }
        let epoch_end = state.step.is_multiple_of(epoch_steps) || state.step == settings.steps;
        if epoch_end {
            let metrics: BTreeMap<String, f64> = task.validate(&model.valid(), device).into_iter().collect();
            progress.println(format!("step {}: {}", state.step, format_metrics(&metrics)));
            state.valid.push(ValidRow { step: state.step, epoch: state.step as f64 / epoch_steps as f64, metrics });
            write_metrics(run_dir, &state)?;
        }
        if epoch_end || state.step == stop || state.step.is_multiple_of(settings.checkpoint_every.max(1)) {
            checkpoint::save(run_dir, &model, &optimizer, &state)?;
        }
    }
    progress.finish_and_clear();
    Ok((model.valid(), state))
}

fn format_metrics(metrics: &BTreeMap<String, f64>) -> String {
    metrics.iter().map(|(k, v)| format!("{k} {v:.4}")).collect::<Vec<_>>().join(", ")
}

/// `train.csv`, `valid.csv`, `metrics.json` and `curves.png` in the run folder.
pub fn write_metrics(run_dir: &Path, state: &RunState) -> Result<(), TrainError> {
    let err = |e: &dyn std::fmt::Display| TrainError::Metrics(e.to_string());
    std::fs::create_dir_all(run_dir).map_err(|e| err(&e))?;
    let mut train = String::from("step,learning_rate,loss,tokens_per_second\n");
    for r in &state.train {
        train.push_str(&format!("{},{},{},{}\n", r.step, r.learning_rate, r.loss, r.tokens_per_second));
    }
    std::fs::write(run_dir.join("train.csv"), train).map_err(|e| err(&e))?;
    let names: Vec<&String> = state.valid.last().map(|v| v.metrics.keys().collect()).unwrap_or_default();
    let mut valid = format!("step,epoch,{}\n", names.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(","));
    for r in &state.valid {
        let values: Vec<String> =
            names.iter().map(|n| r.metrics.get(*n).map_or(String::new(), f64::to_string)).collect();
        valid.push_str(&format!("{},{},{}\n", r.step, r.epoch, values.join(",")));
    }
    std::fs::write(run_dir.join("valid.csv"), valid).map_err(|e| err(&e))?;
    let json = serde_json::to_string_pretty(state).map_err(|e| err(&e))?;
    std::fs::write(run_dir.join("metrics.json"), json).map_err(|e| err(&e))?;
    let smooth = smoothed(&state.train.iter().map(|r| (r.step as f64, r.loss)).collect::<Vec<_>>(), 20);
    let val: Vec<(f64, f64)> =
        state.valid.iter().filter_map(|r| r.metrics.get("val_loss").map(|&v| (r.step as f64, v))).collect();
    comper_data::plot::line_chart(
        &run_dir.join("curves.png"),
        "Training and validation loss",
        "step",
        "loss",
        &[("train (mean of 20 steps)".into(), smooth), ("validation".into(), val)],
    )
    .map_err(|e| err(&e))
}

/// Moving average over `window` points.
fn smoothed(points: &[(f64, f64)], window: usize) -> Vec<(f64, f64)> {
    points
        .iter()
        .enumerate()
        .map(|(i, &(x, _))| {
            let from = i.saturating_sub(window - 1);
            let slice = &points[from..=i];
            (x, slice.iter().map(|p| p.1).sum::<f64>() / slice.len() as f64)
        })
        .collect()
}
