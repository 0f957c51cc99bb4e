//! Where the plugin finds what ships beside its binary: the ONNX Runtime library and the
//! models.
//!
//! Layouts (made by `cargo xtask bundle`):
//! - VST3: `Comper.vst3/Contents/x86_64-linux/Comper.so` → `Comper.vst3/Contents/Resources/`
//! - CLAP: `Comper.clap` (one file) → `Comper/` beside it
//!
//! Each resources folder holds `onnxruntime/libonnxruntime.so.*` and `models/<name>/`
//! (`model.onnx` + `card.json`). Environment variables override both, for CI and for users
//! with their own runtime: `COMPER_ORT_LIBRARY` (or `ORT_DYLIB_PATH`) and `COMPER_MODEL`.

use std::path::{Path, PathBuf};

/// The model a new instance plays: the best checkpoint in `models/`.
pub const DEFAULT_MODEL: &str = "online-mle";
pub const LIBRARY_ENV: &str = "COMPER_ORT_LIBRARY";
pub const MODEL_ENV: &str = "COMPER_MODEL";
/// The CLAP bundle's resources folder, beside `Comper.clap`.
pub const CLAP_RESOURCES: &str = "Comper";

/// The folder of the shared library this code is running in, found with `dladdr` on one
/// of its own functions (std has no way to ask for it; `current_exe` names the host).
fn binary_dir() -> Option<PathBuf> {
    let mut info: libc::Dl_info = unsafe { std::mem::zeroed() };
    let here = binary_dir as *const libc::c_void;
    // SAFETY: `dladdr` only reads the address and fills `info`; `dli_fname` is a C string
    // owned by the loader that stays valid while the library is loaded.
    let found = unsafe { libc::dladdr(here, &mut info) } != 0 && !info.dli_fname.is_null();
    if !found {
        return None;
    }
    let name = unsafe { std::ffi::CStr::from_ptr(info.dli_fname) };
    let path = PathBuf::from(std::ffi::OsStr::new(std::str::from_utf8(name.to_bytes()).ok()?));
    path.canonicalize().ok()?.parent().map(Path::to_path_buf)
}

/// The resources folder shipped with this binary, if there is one.
pub fn resources_dir() -> Option<PathBuf> {
    let dir = binary_dir()?;
    [dir.join("../Resources"), dir.join(CLAP_RESOURCES)].into_iter().find(|d| d.is_dir())
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
            .filter(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(|n| n.starts_with("libonnxruntime.so")))
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
