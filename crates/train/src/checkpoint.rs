//! Checkpoints that survive a kill: model weights, optimizer state and the run's history
//! are written to `checkpoint-next/`, which then replaces `checkpoint/` by renames, so a run
//! killed at any moment leaves one complete checkpoint behind.

use burn::module::Module;
use burn::optim::{ModuleOptimizer, OptimizerRecord};
use burn::store::ModuleRecord;
use serde::{Serialize, de::DeserializeOwned};
use std::path::{Path, PathBuf};

const CURRENT: &str = "checkpoint";
const NEXT: &str = "checkpoint-next";
const OLD: &str = "checkpoint-old";

#[derive(Debug, thiserror::Error)]
pub enum CheckpointError {
    #[error("checkpoint I/O in {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("checkpoint {path} is unreadable: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> CheckpointError + '_ {
    move |source| CheckpointError::Io { path: path.to_path_buf(), source }
}

/// Save `model`, `optimizer` and `state` under `run_dir`.
pub fn save<M: Module, S: Serialize>(
    run_dir: &Path,
    model: &M,
    optimizer: &ModuleOptimizer,
    state: &S,
) -> Result<(), CheckpointError> {
    let next = run_dir.join(NEXT);
    if next.exists() {
        std::fs::remove_dir_all(&next).map_err(io(&next))?;
    }
    std::fs::create_dir_all(&next).map_err(io(&next))?;
    let corrupt = |reason: String| CheckpointError::Corrupt { path: next.clone(), reason };
    model.clone().into_record().save(next.join("model.bpk")).map_err(|e| corrupt(e.to_string()))?;
    optimizer.to_record().save(next.join("optimizer.bpk")).map_err(|e| corrupt(e.to_string()))?;
    let json = serde_json::to_string_pretty(state).map_err(|e| corrupt(e.to_string()))?;
    std::fs::write(next.join("state.json"), json).map_err(io(&next))?;
    let current = run_dir.join(CURRENT);
    let old = run_dir.join(OLD);
    if current.exists() {
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        std::fs::rename(&current, &old).map_err(io(&current))?;
    }
    std::fs::rename(&next, &current).map_err(io(&next))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(())
}

/// The latest complete checkpoint folder, if any (`checkpoint/`, or `checkpoint-old/` when a
/// kill fell between the two renames).
pub fn latest(run_dir: &Path) -> Option<PathBuf> {
    [CURRENT, OLD].iter().map(|name| run_dir.join(name)).find(|dir| dir.join("state.json").is_file())
}

/// Load a checkpoint folder into `model` and `optimizer`, returning its state.
pub fn load<M: Module, S: DeserializeOwned>(
    dir: &Path,
    model: M,
    optimizer: ModuleOptimizer,
) -> Result<(M, ModuleOptimizer, S), CheckpointError> {
    let corrupt = |reason: String| CheckpointError::Corrupt { path: dir.to_path_buf(), reason };
    let record = ModuleRecord::load(dir.join("model.bpk")).map_err(|e| corrupt(e.to_string()))?;
    let model = model.load_record(record);
    let optimizer_record = OptimizerRecord::load(dir.join("optimizer.bpk")).map_err(|e| corrupt(e.to_string()))?;
    let optimizer = optimizer.load_record(optimizer_record);
    let text = std::fs::read_to_string(dir.join("state.json")).map_err(io(dir))?;
    let state = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
    Ok((model, optimizer, state))
}

/// Load only the weights of a checkpoint folder into `model` (for export and evaluation).
pub fn load_weights<M: Module>(dir: &Path, model: M) -> Result<M, CheckpointError> {
    let record = ModuleRecord::load(dir.join("model.bpk"))
        .map_err(|e| CheckpointError::Corrupt { path: dir.to_path_buf(), reason: e.to_string() })?;
    Ok(model.load_record(record))
}
