//! Helpers shared by Comper's end-to-end tests.

use comper_data::Split;
use comper_data::corpus::{Corpus, SourcePaths, import_sources};
use comper_eval::songs::Songs;
use comper_inference::find_library;
use std::path::PathBuf;

/// The datasets folder: `COMPER_DATA` if set, else `../shared/data` beside the workspace.
pub fn data_dir() -> PathBuf {
    std::env::var_os("COMPER_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/data")))
}

/// The plugin bundles `cargo xtask test` builds (`target/bundled`); a clear failure when
/// they are missing.
pub fn bundle(name: &str) -> PathBuf {
    let path = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../target/bundled")).join(name);
    assert!(
        path.exists(),
        "{} is missing: run the tests with `cargo xtask test`, which builds the bundles",
        path.display()
    );
    path
}

/// The example melodies shipped in `examples/`.
pub fn example(name: &str) -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../examples")).join(name)
}

/// The workspace root, where `models/` holds the shipped models.
pub fn workspace() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
}

/// The corpus's test split, built from the datasets as `cargo xtask data` builds it (seed 42).
pub fn test_songs() -> Songs {
    let imports = import_sources(&SourcePaths::from_data_root(&data_dir()), |_| {}).expect("datasets present");
    Songs::split(&Corpus::build(&imports, 42), Split::Test)
}

/// The ONNX Runtime library that `cargo xtask test` provisions.
pub fn onnx_runtime() -> PathBuf {
    find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)")
}
