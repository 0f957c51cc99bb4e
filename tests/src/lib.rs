//! Helpers shared by Comper's end-to-end tests.

use comper_data::Split;
use comper_data::corpus::{Corpus, SourcePaths, import_sources};
use comper_eval::songs::Songs;
use comper_inference::find_library;
use std::path::{Path, PathBuf};

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

/// The MIDI files saved in `folder` (none when it does not exist). A save writes a hidden
/// temporary file first and moves it into place, so only the `.mid` names are takes.
pub fn saved_takes(folder: &Path) -> Vec<PathBuf> {
    let entries = std::fs::read_dir(folder).into_iter().flatten().flatten();
    entries.map(|e| e.path()).filter(|p| p.extension().is_some_and(|e| e == "mid")).collect()
}

/// The ONNX Runtime library that `cargo xtask test` provisions.
pub fn onnx_runtime() -> PathBuf {
    find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)")
}

/// Model folders as the internet can send them, made in `dir` from the shipped Online MLE,
/// each with the words its refusal must name: a card claiming a state of 2⁴⁰ floats, a card that is a
/// link to `/dev/zero`, a card that is a FIFO, and a model that is a link to `/dev/zero`.
pub fn hostile_model_folders(dir: &Path) -> Vec<(PathBuf, &'static str)> {
    let shipped = workspace().join("models/online-mle");
    let folder = |name: &str| {
        let folder = dir.join(name);
        std::fs::create_dir(&folder).unwrap();
        folder
    };
    let huge = folder("huge");
    std::fs::copy(shipped.join("model.onnx"), huge.join("model.onnx")).unwrap();
    let mut card: serde_json::Value =
        serde_json::from_slice(&std::fs::read(shipped.join("card.json")).unwrap()).unwrap();
    card["architecture"]["state"] = serde_json::json!([1, 1u64 << 40]);
    std::fs::write(huge.join("card.json"), serde_json::to_vec(&card).unwrap()).unwrap();
    let zero_card = folder("zero-card");
    std::fs::copy(shipped.join("model.onnx"), zero_card.join("model.onnx")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero_card.join("card.json")).unwrap();
    let fifo = folder("fifo");
    std::fs::copy(shipped.join("model.onnx"), fifo.join("model.onnx")).unwrap();
    assert!(std::process::Command::new("mkfifo").arg(fifo.join("card.json")).status().unwrap().success());
    let zero_model = folder("zero-model");
    std::fs::copy(shipped.join("card.json"), zero_model.join("card.json")).unwrap();
    std::os::unix::fs::symlink("/dev/zero", zero_model.join("model.onnx")).unwrap();
    vec![
        (huge, "1 × 1099511627776 floats"),
        (zero_card, "regular file"),
        (fifo, "regular file"),
        (zero_model, "regular file"),
    ]
}
