//! Helpers shared by Comper's end-to-end tests.

use std::path::PathBuf;

/// The datasets folder: `COMPER_DATA` if set, else `../shared/data` beside the workspace.
pub fn data_dir() -> PathBuf {
    std::env::var_os("COMPER_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")))
}
