//! `cargo xtask bench`: the runtime and the bundles, then the realtime benchmark (policy
//! step latency per shipped model, planning per frame, the plugin's `process()` per block).

use super::{bundle, ort};
use crate::paths;

pub fn run() -> anyhow::Result<()> {
    let library = ort::provision()?;
    bundle::debug_bundles()?;
    let status = paths::cargo()
        // The dev profile (dependencies at opt-level 3) reuses the test build; ONNX Runtime is
        // a prebuilt library and the bundle under test is the debug one either way.
        .args(["bench", "--profile", "dev", "-p", "comper-tests", "--bench", "realtime"])
        .env(comper_inference::runtime::LIBRARY_ENV, &library)
        .status()?;
    std::process::exit(status.code().unwrap_or(1));
}
