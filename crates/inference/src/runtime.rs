//! Finding and loading the ONNX Runtime library, once per process.

/// The ONNX Runtime environment every session of the process shares.
pub use ort::environment::Environment;
use ort::session::Session;
use ort::value::{Outlet, TensorElementType, ValueType};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// The environment variable that names the ONNX Runtime library (as `ort` itself reads it).
pub const LIBRARY_ENV: &str = "ORT_DYLIB_PATH";

/// The ONNX Runtime library's file name on `os` (as `std::env::consts::OS` names it) in
/// release `version`, as the PyPI wheel ships it: each OS names its libraries its own way.
pub fn library_file(os: &str, version: &str) -> String {
    match os {
        "windows" => "onnxruntime.dll".to_owned(),
        "macos" => format!("libonnxruntime.{version}.dylib"),
        _ => format!("libonnxruntime.so.{version}"),
    }
}

/// Whether `name` is the ONNX Runtime library on `os`, of any release or none: a bundle
/// holds the wheel's versioned file, a user's folder may hold the plain one.
pub fn is_library_file(os: &str, name: &str) -> bool {
    match os {
        "windows" => name.eq_ignore_ascii_case("onnxruntime.dll"),
        "macos" => name.starts_with("libonnxruntime.") && name.ends_with(".dylib"),
        _ => name.starts_with("libonnxruntime.so"),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InferenceError {
    #[error(
        "ONNX Runtime library not found{0}: run `cargo xtask ort` to fetch it, or set {LIBRARY_ENV} to {library}",
        library = library_file(std::env::consts::OS, "*")
    )]
    LibraryMissing(String),
    #[error("cannot load ONNX Runtime from {path}: {reason}")]
    LibraryLoad { path: PathBuf, reason: String },
    #[error("cannot load model {path}: {reason}")]
    Model { path: PathBuf, reason: String },
    #[error("model {path} does not have the inputs and outputs its card promises: {reason}")]
    Contract { path: PathBuf, reason: String },
    #[error("inference failed: {0}")]
    Run(String),
}

/// The library to load: `explicit` if given, else `$ORT_DYLIB_PATH`; it must exist.
pub fn find_library(explicit: Option<&Path>) -> Result<PathBuf, InferenceError> {
    let path = explicit.map(Path::to_path_buf).or_else(|| std::env::var_os(LIBRARY_ENV).map(PathBuf::from));
    match path {
        Some(p) if p.is_file() => Ok(p),
        Some(p) => Err(InferenceError::LibraryMissing(format!(" at {}", p.display()))),
        None => Err(InferenceError::LibraryMissing(String::new())),
    }
}

/// The process-wide ONNX Runtime environment, loading `library` on first use. Later calls
/// return the same environment whatever path they pass (a process can load one runtime).
/// A failed load is not remembered: once the library is installed (or the path fixed) the
/// next call succeeds, so a plugin recovers without restarting the host.
pub fn environment(library: &Path) -> Result<&'static Environment, InferenceError> {
    static ENVIRONMENT: OnceLock<Environment> = OnceLock::new();
    static LOADING: Mutex<()> = Mutex::new(());
    if let Some(environment) = ENVIRONMENT.get() {
        return Ok(environment);
    }
    let _one_at_a_time = LOADING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(environment) = ENVIRONMENT.get() {
        return Ok(environment);
    }
    let fail = |reason: String| InferenceError::LibraryLoad { path: library.to_path_buf(), reason };
    let builder = ort::init_from(library).map_err(|e| fail(e.to_string()))?;
    let environment = builder.with_name("comper").build().map_err(|e| fail(e.to_string()))?;
    Ok(ENVIRONMENT.get_or_init(|| environment))
}

/// The largest model file Comper loads (the shipped policies are under 4 MB).
pub const MODEL_BYTES: u64 = 256 << 20;

/// A session on `model` with one intra-op and one inter-op thread: Comper runs one session
/// per worker thread, and more threads per session only contend for the same cores. The
/// file is read by Comper, bounded (`comper_files`), not by the runtime, which would block
/// on a FIFO or read a link to `/dev/zero` forever.
pub fn session(environment: &Environment, model: &Path) -> Result<Session, InferenceError> {
    let fail = |reason: String| InferenceError::Model { path: model.to_path_buf(), reason };
    let bytes = comper_files::read_limited(model, MODEL_BYTES).map_err(|e| fail(e.to_string()))?;
    Session::builder(environment)
        .map_err(|e| fail(e.to_string()))?
        .with_intra_threads(1)
        .map_err(|e| fail(e.to_string()))?
        .with_inter_threads(1)
        .map_err(|e| fail(e.to_string()))?
        .commit_from_memory(&bytes)
        .map_err(|e| fail(e.to_string()))
}

/// `outlets` (a session's inputs or outputs) have a tensor `name` of element type `ty`.
pub fn expect_tensor(outlets: &[Outlet], name: &str, ty: TensorElementType) -> Result<(), String> {
    let outlet = outlets.iter().find(|o| o.name() == name).ok_or_else(|| format!("no tensor named '{name}'"))?;
    match outlet.dtype() {
        ValueType::Tensor { ty: found, .. } if *found == ty => Ok(()),
        other => Err(format!("'{name}' is {other:?}, expected a {ty:?} tensor")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_os_names_the_library_as_the_wheel_does() {
        assert_eq!(library_file("linux", "1.32.0"), "libonnxruntime.so.1.32.0");
        assert_eq!(library_file("macos", "1.32.0"), "libonnxruntime.1.32.0.dylib");
        assert_eq!(library_file("windows", "1.32.0"), "onnxruntime.dll");
    }

    #[test]
    fn each_os_finds_its_own_library_and_no_other() {
        for os in ["linux", "macos", "windows"] {
            assert!(is_library_file(os, &library_file(os, "1.32.0")), "{os}");
        }
        assert!(is_library_file("linux", "libonnxruntime.so"));
        assert!(is_library_file("macos", "libonnxruntime.dylib"));
        assert!(!is_library_file("linux", "libonnxruntime_providers_shared.so"));
        assert!(!is_library_file("macos", "libonnxruntime.so.1.32.0"));
        assert!(!is_library_file("windows", "onnxruntime_providers_shared.dll"));
    }
}
