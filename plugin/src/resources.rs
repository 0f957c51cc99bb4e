//! Where the plugin finds what ships with its binary: the ONNX Runtime library and the
//! models.
//!
//! Layouts (made by `cargo xtask bundle`): a binary inside a bundle's `Contents/<folder>/`
//! finds them in the bundle's `Contents/Resources/`, a lone binary in `Comper/` beside it.
//!
//! | OS | VST3 | CLAP |
//! |---|---|---|
//! | Linux | `Comper.vst3/Contents/x86_64-linux/Comper.so` → `Comper.vst3/Contents/Resources/` | `Comper.clap` (one file) → `Comper/` beside it |
//! | Windows | `Comper.vst3/Contents/x86_64-win/Comper.vst3` → `Comper.vst3/Contents/Resources/` | `Comper.clap` (one file) → `Comper/` beside it |
//! | macOS | `Comper.vst3/Contents/MacOS/Comper` → `Comper.vst3/Contents/Resources/` | `Comper.clap/Contents/MacOS/Comper` → `Comper.clap/Contents/Resources/` |
//!
//! Each resources folder holds `onnxruntime/<library>` (`libonnxruntime.so.*` on Linux,
//! `libonnxruntime.*.dylib` on macOS, `onnxruntime.dll` on Windows:
//! `comper_inference::runtime::library_file`) and `models/<name>/` (`model.onnx` +
//! `card.json`). Environment variables override both, for CI and for users with their own
//! runtime: `COMPER_ORT_LIBRARY` (or `ORT_DYLIB_PATH`) and `COMPER_MODEL`.

use comper_inference::runtime::is_library_file;
use std::path::{Path, PathBuf};

/// The model a new instance plays: the best checkpoint in `models/`.
pub const DEFAULT_MODEL: &str = "online-mle";
pub const LIBRARY_ENV: &str = "COMPER_ORT_LIBRARY";
pub const MODEL_ENV: &str = "COMPER_MODEL";
/// The resources folder beside a binary that is not inside a bundle (a CLAP on Linux and
/// Windows is one file).
pub const CLAP_RESOURCES: &str = "Comper";

/// The folder of the shared library this code is running in (std has no way to ask for
/// it: `current_exe` names the host).
fn binary_dir() -> Option<PathBuf> {
    process_path::get_dylib_path()?.canonicalize().ok()?.parent().map(Path::to_path_buf)
}

/// Where the resources of a binary in `binary_dir` are: its bundle's `Contents/Resources`
/// when it sits in `Contents/<folder>/` (VST3 everywhere, CLAP on macOS), else `Comper/`
/// beside it (a lone `.clap` would otherwise look in whatever `../Resources` is there).
fn resources_of(binary_dir: &Path) -> PathBuf {
    match binary_dir.parent() {
        Some(contents) if contents.file_name().is_some_and(|n| n == "Contents") => contents.join("Resources"),
        _ => binary_dir.join(CLAP_RESOURCES),
    }
}

/// The resources folder shipped with this binary, if there is one.
pub fn resources_dir() -> Option<PathBuf> {
    Some(resources_of(&binary_dir()?)).filter(|d| d.is_dir())
}

/// The ONNX Runtime library to load: the environment's choice, else the bundled one.
pub fn library() -> Option<PathBuf> {
    let from_env = [LIBRARY_ENV, comper_inference::runtime::LIBRARY_ENV]
        .into_iter()
        .find_map(|var| std::env::var_os(var).map(PathBuf::from));
    from_env.or_else(|| {
        let dir = resources_dir()?.join("onnxruntime");
        let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .flatten()
            .map(|e| e.path())
            .filter(|p| {
                p.file_name().and_then(|n| n.to_str()).is_some_and(|n| is_library_file(std::env::consts::OS, n))
            })
            .collect();
        found.sort();
        found.pop()
    })
}

/// The model folder (or `.onnx` file) to load: the instance's choice, else the
/// environment's, else the shipped default.
pub fn model(chosen: &str) -> Option<PathBuf> {
    if !chosen.is_empty() {
        return Some(PathBuf::from(chosen));
    }
    std::env::var_os(MODEL_ENV).map(PathBuf::from).or_else(|| Some(resources_dir()?.join("models").join(DEFAULT_MODEL)))
}

/// The ONNX file and its card for a model folder or file.
pub fn model_files(model: &Path) -> (PathBuf, PathBuf) {
    if model.is_dir() {
        (model.join("model.onnx"), model.join("card.json"))
    } else {
        (model.to_path_buf(), model.with_file_name("card.json"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_binaries_find_their_bundles_resources_on_every_os() {
        for binary in [
            "/p/Comper.vst3/Contents/x86_64-linux/Comper.so",
            "/p/Comper.vst3/Contents/x86_64-win/Comper.vst3",
            "/p/Comper.vst3/Contents/MacOS/Comper",
        ] {
            let dir = Path::new(binary).parent().unwrap();
            assert_eq!(resources_of(dir), Path::new("/p/Comper.vst3/Contents/Resources"), "{binary}");
        }
        let mac_clap = Path::new("/p/Comper.clap/Contents/MacOS");
        assert_eq!(resources_of(mac_clap), Path::new("/p/Comper.clap/Contents/Resources"));
    }

    #[test]
    fn a_lone_clap_finds_the_folder_beside_it_not_a_stray_resources_folder() {
        assert_eq!(resources_of(Path::new("/home/me/.clap")), Path::new("/home/me/.clap/Comper"));
    }
}
