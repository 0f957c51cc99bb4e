//! `cargo xtask bundle comper [--release]`: build the plugin with nice-plug-xtask into
//! `target/bundled/Comper.clap` and `Comper.vst3`, then put what it loads at run time where
//! it looks (see `comper::resources`): the ONNX Runtime library and the shipped models, in
//! each bundle's `Contents/Resources`, or beside a `.clap` that is one file (Linux, Windows).
//!
//! Debug bundles abort on any allocation inside `process()` (nice-plug's
//! `assert_process_allocs`), so every test that drives them checks the audio thread.

use super::ort;
use crate::paths;
use anyhow::Context;
use comper_inference::card::policy_folders;
use std::path::{Path, PathBuf};

/// The resources folder beside a `.clap` that is one file: the plugin's
/// `resources::CLAP_RESOURCES` (not imported, so the toolchain does not build the plugin's
/// dependencies a second time; the host tests load the bundles and would fail on a mismatch).
pub const CLAP_RESOURCES: &str = "Comper";

/// Where the resources of the CLAP at `clap` go on `os`: inside it on macOS, where a `.clap`
/// is a bundle folder (`Contents/MacOS/Comper`); beside it elsewhere, where it is one file.
fn clap_resources(clap: &Path, os: &str) -> PathBuf {
    match os {
        "macos" => clap.join("Contents/Resources"),
        _ => clap.with_file_name(CLAP_RESOURCES),
    }
}

/// The bundles and their resources folders.
pub struct Bundles {
    pub clap: PathBuf,
    pub vst3: PathBuf,
}

impl Bundles {
    pub fn at(dir: &Path) -> Bundles {
        Bundles { clap: dir.join("Comper.clap"), vst3: dir.join("Comper.vst3") }
    }

    /// The CLAP's resources folder on this OS.
    pub fn clap_resources(&self) -> PathBuf {
        clap_resources(&self.clap, std::env::consts::OS)
    }

    fn resource_dirs(&self) -> [PathBuf; 2] {
        [self.clap_resources(), self.vst3.join("Contents/Resources")]
    }
}

/// Build and bundle with `args` (the package name first, as nice-plug-xtask expects).
pub fn bundle(args: &[String]) -> anyhow::Result<Bundles> {
    let library = ort::provision()?;
    let mut args = args.to_vec();
    if !args.iter().any(|a| a == "--release") {
        args.extend(["--features".into(), "comper/assert_process_allocs".into()]);
    }
    nice_plug_xtask::main_with_args("cargo xtask", std::iter::once("bundle".to_string()).chain(args))
        .context("bundling the plugin")?;
    let bundles = Bundles::at(&paths::workspace_root().join("target/bundled"));
    for dir in bundles.resource_dirs() {
        add_resources(&dir, &library)?;
    }
    Ok(bundles)
}

/// The debug bundles the tests and `jam` use.
pub fn debug_bundles() -> anyhow::Result<Bundles> {
    bundle(&["comper".to_string()])
}

/// Copy the runtime library and every policy folder of `models/` into `dir` (the
/// evaluation's chord encoder stays out: the plugin never runs it).
fn add_resources(dir: &Path, library: &Path) -> anyhow::Result<()> {
    let runtime = dir.join("onnxruntime");
    std::fs::create_dir_all(&runtime)?;
    copy_if_changed(library, &runtime.join(library.file_name().context("library has a name")?))?;
    for model in policy_folders(&paths::workspace_root().join("models"))? {
        let target = dir.join("models").join(model.file_name().context("model folder has a name")?);
        std::fs::create_dir_all(&target)?;
        for file in std::fs::read_dir(&model)? {
            let file = file?.path();
            if file.is_file() {
                copy_if_changed(&file, &target.join(file.file_name().context("file has a name")?))?;
            }
        }
    }
    Ok(())
}

fn copy_if_changed(from: &Path, to: &Path) -> anyhow::Result<()> {
    let same = |a: &Path, b: &Path| -> Option<bool> {
        let (a, b) = (a.metadata().ok()?, b.metadata().ok()?);
        Some(a.len() == b.len() && a.modified().ok()? <= b.modified().ok()?)
    };
    if same(from, to) != Some(true) {
        std::fs::copy(from, to).with_context(|| format!("copying {} to {}", from.display(), to.display()))?;
    }
    Ok(())
}

pub fn run(args: Vec<String>) -> anyhow::Result<()> {
    let bundles = bundle(&args)?;
    println!("{}\n{}", bundles.clap.display(), bundles.vst3.display());
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_clap_file_has_its_resources_beside_it() {
        for os in ["linux", "windows"] {
            assert_eq!(clap_resources(Path::new("/b/Comper.clap"), os), Path::new("/b/Comper"), "{os}");
        }
    }

    #[test]
    fn a_macos_clap_bundle_has_its_resources_inside() {
        let resources = clap_resources(Path::new("/b/Comper.clap"), "macos");
        assert_eq!(resources, Path::new("/b/Comper.clap/Contents/Resources"));
    }
}
