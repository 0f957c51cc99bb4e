//! Where things live: the workspace, the shared datasets, the generated artifacts.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root (xtask's parent folder).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask lives inside the workspace").to_path_buf()
}

/// A command of the cargo that runs this toolchain (`CARGO`), or of the one on PATH.
pub fn cargo() -> Command {
    Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()))
}

/// The datasets folder: `COMPER_DATA` if set, else `../shared/data` beside the workspace.
pub fn default_data_dir() -> PathBuf {
    std::env::var_os("COMPER_DATA").map(PathBuf::from).unwrap_or_else(|| workspace_root().join("../shared/data"))
}

/// Where the run of `model` is: this machine's run (`target/comper/runs/{model}`) once it
/// holds a checkpoint, else the shipped anchor (`models/anchors/{model}`: the teacher and
/// the reward models, so RL and `harmonize` work on a fresh clone).
#[cfg(feature = "training")]
pub fn trained_run(model: &str) -> PathBuf {
    let run = workspace_root().join("target/comper/runs").join(model);
    let anchor = workspace_root().join("models/anchors").join(model);
    if run.join("run.json").is_file() || !anchor.is_dir() { run } else { anchor }
}

/// Generated data artifacts (cache, manifest, report).
pub fn default_cache_dir() -> PathBuf {
    workspace_root().join("target/comper/data")
}
