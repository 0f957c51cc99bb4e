//! `cargo xtask install`: a release bundle copied to `~/.clap` and `~/.vst3`, resources
//! included, where Bitwig, Reaper and other Linux hosts look for plugins.

use super::bundle;
use anyhow::Context;
use std::path::{Path, PathBuf};

pub fn run() -> anyhow::Result<()> {
    let bundles = bundle::bundle(&["comper".into(), "--release".into()])?;
    let home = PathBuf::from(std::env::var_os("HOME").context("HOME is not set")?);
    let clap_dir = home.join(".clap");
    let vst3_dir = home.join(".vst3");
    std::fs::create_dir_all(&clap_dir)?;
    std::fs::create_dir_all(&vst3_dir)?;
    let clap_resources = bundles.clap.with_file_name(bundle::CLAP_RESOURCES);
    copy_tree(&bundles.clap, &clap_dir.join("Comper.clap"))?;
    copy_tree(&clap_resources, &clap_dir.join(bundle::CLAP_RESOURCES))?;
    copy_tree(&bundles.vst3, &vst3_dir.join("Comper.vst3"))?;
    println!("installed Comper.clap into {} and Comper.vst3 into {}", clap_dir.display(), vst3_dir.display());
    Ok(())
}

/// Copy a file, or a folder recursively, replacing what was there.
fn copy_tree(from: &Path, to: &Path) -> anyhow::Result<()> {
    if from.is_dir() {
        std::fs::create_dir_all(to)?;
        for entry in std::fs::read_dir(from)? {
            let entry = entry?;
            copy_tree(&entry.path(), &to.join(entry.file_name()))?;
        }
    } else {
        std::fs::copy(from, to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}
