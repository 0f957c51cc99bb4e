//! `cargo xtask test`: everything a fresh clone needs, then every test in the workspace.

use super::ort;
use std::process::Command;

pub fn run(extra: Vec<String>) -> anyhow::Result<()> {
    let library = ort::provision()?;
    let status = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .args(["test", "--workspace"])
        .args(extra)
        .env(comper_inference::runtime::LIBRARY_ENV, &library)
        .status()?;
    std::process::exit(status.code().unwrap_or(1));
}
