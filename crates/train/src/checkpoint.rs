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
    // On disk before the renames: a power cut must not leave renamed folders of empty files.
    for file in ["model.bpk", "optimizer.bpk", "state.json"] {
        sync(&next.join(file)).map_err(io(&next))?;
    }
    sync(&next).map_err(io(&next))?;
    let current = run_dir.join(CURRENT);
    let old = run_dir.join(OLD);
    if current.exists() {
        if old.exists() {
            std::fs::remove_dir_all(&old).map_err(io(&old))?;
        }
        std::fs::rename(&current, &old).map_err(io(&current))?;
    }
    std::fs::rename(&next, &current).map_err(io(&next))?;
    sync(run_dir).map_err(io(run_dir))?;
    if old.exists() {
        std::fs::remove_dir_all(&old).map_err(io(&old))?;
    }
    Ok(())
}

/// Flush a file or a folder's entries to the disk.
fn sync(path: &Path) -> std::io::Result<()> {
    std::fs::File::open(path)?.sync_all()
}

/// Empty `run_dir` for a run that starts over. Only a run folder (one with `run.json` or a
/// checkpoint) or an empty one is deleted: a mistyped `--out` never takes someone's files.
pub fn clear_run(run_dir: &Path) -> Result<(), CheckpointError> {
    if !run_dir.exists() {
        return Ok(());
    }
    let empty = std::fs::read_dir(run_dir).map_err(io(run_dir))?.next().is_none();
    if !(empty || run_dir.join("run.json").is_file() || latest(run_dir).is_some()) {
        let reason = "not a training run folder (no run.json or checkpoint): refusing to delete it".to_string();
        return Err(CheckpointError::Corrupt { path: run_dir.to_path_buf(), reason });
    }
    std::fs::remove_dir_all(run_dir).map_err(io(run_dir))
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
    let model = model.try_load_record(record).map_err(|e| corrupt(e.to_string()))?;
    let optimizer_record = OptimizerRecord::load(dir.join("optimizer.bpk")).map_err(|e| corrupt(e.to_string()))?;
    let optimizer = optimizer.load_record(optimizer_record);
    let text = std::fs::read_to_string(dir.join("state.json")).map_err(io(dir))?;
    let state = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
    Ok((model, optimizer, state))
}

/// Load only the weights of a checkpoint folder into `model` (for export and evaluation).
pub fn load_weights<M: Module>(dir: &Path, model: M) -> Result<M, CheckpointError> {
    let corrupt = |reason: String| CheckpointError::Corrupt { path: dir.to_path_buf(), reason };
    let record = ModuleRecord::load(dir.join("model.bpk")).map_err(|e| corrupt(e.to_string()))?;
    model.try_load_record(record).map_err(|e| corrupt(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::models::policy::gru::{GruConfig, GruPolicy};
    use burn::optim::AdamWConfig;
    use burn::prelude::*;

    fn tiny() -> GruPolicy {
        GruConfig { embedding: 4, hidden: 4, layers: 1, ..GruConfig::default() }.init(&Device::flex())
    }

    #[test]
    fn a_run_killed_between_the_renames_resumes_from_the_previous_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let model = tiny();
        let optimizer = AdamWConfig::new().init();
        save(dir.path(), &model, &optimizer, &1u64).unwrap();
        // Killed mid-save: the old checkpoint moved aside, the new one half written.
        std::fs::rename(dir.path().join(CURRENT), dir.path().join(OLD)).unwrap();
        std::fs::create_dir(dir.path().join(NEXT)).unwrap();
        std::fs::write(dir.path().join(NEXT).join("model.bpk"), b"partial").unwrap();
        let found = latest(dir.path()).expect("the previous checkpoint is found");
        assert!(found.ends_with(OLD));
        let (_, _, step): (_, _, u64) = load(&found, tiny(), AdamWConfig::new().init()).unwrap();
        assert_eq!(step, 1);
        // The next save clears the debris and leaves one complete checkpoint.
        save(dir.path(), &model, &optimizer, &2u64).unwrap();
        assert!(latest(dir.path()).unwrap().ends_with(CURRENT));
        assert!(!dir.path().join(OLD).exists() && !dir.path().join(NEXT).exists());
    }

    #[test]
    fn a_corrupt_or_foreign_checkpoint_is_an_error_not_a_panic() {
        let dir = tempfile::tempdir().unwrap();
        save(dir.path(), &tiny(), &AdamWConfig::new().init(), &1u64).unwrap();
        let other = GruConfig { embedding: 6, hidden: 4, layers: 1, ..GruConfig::default() };
        let foreign = load_weights(&dir.path().join(CURRENT), other.init(&Device::flex()));
        assert!(matches!(foreign, Err(CheckpointError::Corrupt { .. })), "another model's shapes are refused");
        std::fs::write(dir.path().join(CURRENT).join("model.bpk"), b"garbage").unwrap();
        let result: Result<(_, _, u64), _> = load(&dir.path().join(CURRENT), tiny(), AdamWConfig::new().init());
        assert!(matches!(result, Err(CheckpointError::Corrupt { .. })));
    }

    #[test]
    fn starting_over_deletes_a_run_folder_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let work = dir.path().join("thesis");
        std::fs::create_dir(&work).unwrap();
        std::fs::write(work.join("chapter-1.tex"), b"years of work").unwrap();
        assert!(clear_run(&work).is_err());
        assert!(work.join("chapter-1.tex").is_file(), "a folder that is not a run is left alone");
        let run = dir.path().join("run");
        save(&run, &tiny(), &AdamWConfig::new().init(), &1u64).unwrap();
        clear_run(&run).unwrap();
        assert!(!run.exists());
        clear_run(&run).unwrap();
    }
}
