//! Helpers shared by Comper's end-to-end tests.

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
