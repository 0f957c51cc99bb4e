//! The PPO loop of RL post-training (`docs/method.md` §4.3–4.5): rollouts against
//! training melodies (for the melody agent: training chord tracks), the reward (coherence
//! models, rule penalties, the adversarial term, per-token KL to the offline teacher), GAE
//! over the positions of the part the policy plays, clipped-surrogate actor and value
//! updates, and the GAPT discriminator on its two-phase schedule. Checkpoints after every few
//! updates; a killed run resumes where it stopped.

use super::models::{Frozen, RlModels};
use super::settings::RlSettings;
use super::state::RlState;
use crate::checkpoint::{self, CheckpointError};
use burn::grad_clipping::GradientClippingConfig;
use burn::optim::{AdamWConfig, ModuleOptimizer};
use burn::prelude::*;
use comper_data::windows::WindowSampler;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::Path;
use std::time::Instant;

#[derive(Debug, thiserror::Error)]
pub enum RlError {
    #[error(transparent)]
    Checkpoint(#[from] CheckpointError),
    #[error("{0} holds a run with other settings; pass --fresh to start over or choose another --out")]
    SettingsMismatch(String),
    #[error("cannot write the run's metrics: {0}")]
    Metrics(String),
}

/// Run RL from `models` (a fresh start or a checkpoint in `run_dir`) to `settings.updates`,
/// or to `until`. `sampler` draws the training melodies (songs of at least a window).
pub fn train_rl(
    models: RlModels,
    frozen: &Frozen,
    sampler: &WindowSampler,
    settings: &RlSettings,
    run_dir: &Path,
    device: &Device,
    until: Option<u64>,
) -> Result<(RlModels, RlState), RlError> {
    device.seed(settings.seed);
    let mut optimizer: ModuleOptimizer = AdamWConfig::new()
        .with_beta_2(0.95)
        .with_weight_decay(0.0)
        .with_grad_clipping(Some(GradientClippingConfig::Norm(settings.grad_clip_norm as f32)))
        .init();
    let mut models = models;
    let mut state = RlState {
        settings: settings.clone(),
        update: 0,
        seconds: 0.0,
        adversarial_history: Vec::new(),
        rows: Vec::new(),
    };
    if let Some(dir) = checkpoint::latest(run_dir) {
        let (m, o, s): (RlModels, ModuleOptimizer, RlState) = checkpoint::load(&dir, models, optimizer)?;
        if s.settings != *settings {
            return Err(RlError::SettingsMismatch(run_dir.display().to_string()));
        }
        (models, optimizer, state) = (m, o, s);
    }
    let stop = until.unwrap_or(settings.updates).min(settings.updates);
    let progress = ProgressBar::new(settings.updates).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} updates [{elapsed_precise} < {eta_precise}] {msg}")
            .expect("valid template"),
    );
    progress.set_position(state.update);
    while state.update < stop {
        let started = Instant::now();
        let k = state.update + 1;
        let (next, mut row) = super::update::ppo_update(
            models,
            &mut optimizer,
            frozen,
            sampler,
            settings,
            k,
            &state.adversarial_history,
            device,
        );
        models = next;
        row.seconds = started.elapsed().as_secs_f64();
        state.seconds += row.seconds;
        state.adversarial_history.push(row.adversarial);
        state.update = k;
        progress.set_position(k);
        progress.set_message(format!(
            "reward {:.3}, harmony {:.3}, {} chords, KL {:.3}, R_adv {:.2}{}",
            row.reward,
            row.harmony,
            row.unique_chords,
            row.kl,
            row.adversarial,
            if row.discriminator_updated { ", D updated" } else { "" }
        ));
        state.rows.push(row);
        if k == stop || k.is_multiple_of(settings.checkpoint_every.max(1)) {
            super::report::write(run_dir, &state).map_err(RlError::Metrics)?;
            checkpoint::save(run_dir, &models, &optimizer, &state)?;
        }
    }
    progress.finish_and_clear();
    Ok((models, state))
}
