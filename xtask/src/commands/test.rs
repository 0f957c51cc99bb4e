//! `cargo xtask test`: everything a fresh clone needs (the ONNX Runtime library, the plugin
//! bundles the host tests load), then every test in the workspace.

use super::{bundle, ort};
use crate::paths;

pub fn run(extra: Vec<String>) -> anyhow::Result<()> {
    let library = ort::provision()?;
    bundle::debug_bundles()?;
    // The same plugin features as the debug bundle, so the plugin's dependencies build once;
    // the training toolchain too, so its commands compile with every test run.
    let status = paths::cargo()
        .args(["test", "--workspace", "--features", "comper/assert_process_allocs,xtask/training"])
        .args(extra)
        .env(comper_inference::runtime::LIBRARY_ENV, &library)
        .status()?;
    std::process::exit(status.code().unwrap_or(1));
}
