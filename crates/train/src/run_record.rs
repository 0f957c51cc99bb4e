//! What a training run leaves beside its checkpoints, typed: `run.json` says what it trained,
//! with which settings of its model and on what data, and the latest checkpoint's
//! `state.json` is a supervised run's [`RunState`] or an RL run's [`RlState`]. Export, RL and
//! the evaluation's teacher row read runs through [`TrainedRun`].

use crate::checkpoint;
use crate::recipes::Recipe;
use crate::rl::state::RlState;
use crate::trainer::RunState;
use comper_data::windows::Augment;
use comper_music::Part;
use serde::de::DeserializeOwned;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const RUN_FILE: &str = "run.json";

/// What `cargo xtask train` records about a run next to its checkpoints.
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct RunInfo {
    /// The [`Recipe`]'s name; every RL arm records `rl`.
    pub model: String,
    /// The model's settings (a `PolicyConfig`, `TeacherConfig`, …).
    pub config: serde_json::Value,
    pub window: usize,
    /// The sources the run trained on (runs from before it: POP909 and Nottingham, all there was).
    #[serde(default = "pop909_and_nottingham")]
    pub data: Vec<String>,
    pub data_seed: u64,
    pub command: String,
    /// How the training windows were varied; runs from before key changes only transposed.
    #[serde(default = "transposition_only")]
    pub augmentation: String,
}

fn pop909_and_nottingham() -> Vec<String> {
    vec!["pop909".into(), "nottingham".into()]
}

fn transposition_only() -> String {
    Augment { key_change: 0.0, ..Augment::TRAINING }.describe()
}

impl RunInfo {
    pub fn write(&self, run: &Path) -> std::io::Result<()> {
        let json = serde_json::to_string_pretty(self).map_err(std::io::Error::other)?;
        std::fs::write(run.join(RUN_FILE), json)
    }
}

/// The record a checkpoint keeps: a supervised run's or an RL run's.
pub enum Record {
    Supervised(RunState),
    Rl(RlState),
}

/// A training run: what it trained, its latest checkpoint and that checkpoint's record.
pub struct TrainedRun {
    pub info: RunInfo,
    pub checkpoint: PathBuf,
    pub record: Record,
}

impl TrainedRun {
    /// The run in `run`, which must have trained one of `models` (recipe names).
    pub fn open(run: &Path, models: &[&str]) -> Result<TrainedRun, String> {
        let shown = run.display();
        let text = std::fs::read_to_string(run.join(RUN_FILE))
            .map_err(|e| format!("{shown} is not a training run ({e}): train `{}` first", models.join("` or `")))?;
        let info: RunInfo = serde_json::from_str(&text).map_err(|e| format!("{shown}/{RUN_FILE}: {e}"))?;
        if !models.contains(&info.model.as_str()) {
            return Err(format!("{shown} trained '{}', not {}", info.model, models.join(" or ")));
        }
        let recipe = Recipe::ALL
            .into_iter()
            .find(|r| r.name() == info.model)
            .ok_or_else(|| format!("{shown} trained '{}', which no recipe makes", info.model))?;
        let checkpoint = checkpoint::latest(run).ok_or_else(|| format!("{shown} has no checkpoint"))?;
        let state = std::fs::read_to_string(checkpoint.join("state.json")).map_err(|e| e.to_string())?;
        let corrupt = |e: serde_json::Error| format!("{}: {e}", checkpoint.display());
        let record = match recipe {
            Recipe::PostTrained(_) => Record::Rl(serde_json::from_str(&state).map_err(corrupt)?),
            Recipe::Pretrained(_) => Record::Supervised(serde_json::from_str(&state).map_err(corrupt)?),
        };
        Ok(TrainedRun { info, checkpoint, record })
    }

    /// The settings of the model it trained.
    pub fn config<C: DeserializeOwned>(&self) -> Result<C, String> {
        serde_json::from_value(self.info.config.clone()).map_err(|e| format!("{}: {e}", self.checkpoint.display()))
    }

    /// Optimizer steps (supervised) or PPO updates (RL) the checkpoint has done.
    pub fn steps(&self) -> u64 {
        match &self.record {
            Record::Supervised(state) => state.step,
            Record::Rl(state) => state.update,
        }
    }

    /// The settings it trained with.
    pub fn settings(&self) -> serde_json::Value {
        match &self.record {
            Record::Supervised(state) => serde_json::to_value(&state.settings),
            Record::Rl(state) => serde_json::to_value(&state.settings),
        }
        .expect("settings are plain data")
    }

    /// The checkpoint's last validation metrics (supervised) or last update's terms (RL),
    /// and its training totals.
    pub fn metrics(&self) -> BTreeMap<String, f64> {
        let mut metrics = BTreeMap::new();
        match &self.record {
            Record::Supervised(state) => {
                metrics = state.last_valid().cloned().unwrap_or_default();
                metrics.insert("parameters".into(), state.parameters as f64);
                metrics.insert("training_seconds".into(), state.seconds);
                metrics.insert("training_tokens_per_second".into(), state.tokens_per_second());
            }
            Record::Rl(state) => {
                if let Some(serde_json::Value::Object(last)) =
                    state.rows.last().map(serde_json::to_value).transpose().ok().flatten()
                {
                    // The RL row's distinct chords are distinct pitches when the melody agent played.
                    let name = |k: String| match (k.as_str(), state.settings.part) {
                        ("unique_chords", Part::Melody) => "unique_pitches".to_string(),
                        _ => k,
                    };
                    metrics.extend(
                        last.into_iter().filter_map(|(k, v)| Some((format!("last_update_{}", name(k)), v.as_f64()?))),
                    );
                }
                metrics.insert("training_seconds".into(), state.seconds);
            }
        }
        metrics.insert("training_steps".into(), self.steps() as f64);
        metrics
    }
}

/// The settings and latest checkpoint of the run in `run`, which must have trained `model`.
pub fn trained<C: DeserializeOwned>(run: &Path, model: &str) -> Result<(C, PathBuf), String> {
    let run = TrainedRun::open(run, &[model])?;
    Ok((run.config()?, run.checkpoint))
}
