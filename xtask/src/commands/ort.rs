//! `cargo xtask ort`: provision the ONNX Runtime library from the PyPI `onnxruntime` wheel
//! (fetched with the ordinary pip client, cached under `target/comper/ort`). `ort`'s own
//! build-time download is not used: nothing downloads at build time.

use crate::paths;
use anyhow::{Context, bail};
use comper_inference::runtime::library_file;
use std::io::Read;
use std::path::PathBuf;
use std::process::Command;

/// The ONNX Runtime release Comper is built and tested against.
pub const VERSION: &str = "1.32.0";

/// The largest library `ort` extracts (1.32.0's is 35 MB on Linux): the wheel is a
/// download, and a broken one must not fill the disk.
const LIBRARY_BYTES: u64 = 256 << 20;

/// The library's file name on this OS, in the wheel's `onnxruntime/capi/` and where it lands.
fn library_name() -> String {
    library_file(std::env::consts::OS, VERSION)
}

/// Where the library lands.
pub fn library_path() -> PathBuf {
    paths::workspace_root().join("target/comper/ort").join(library_name())
}

/// The library's path, fetching and extracting the wheel first if needed.
pub fn provision() -> anyhow::Result<PathBuf> {
    let library = library_path();
    if library.is_file() {
        return Ok(library);
    }
    let dir = library.parent().expect("library path has a folder").to_path_buf();
    let wheels = dir.join("wheel");
    std::fs::create_dir_all(&wheels)?;
    eprintln!("fetching onnxruntime {VERSION} from PyPI with pip");
    let status = Command::new("python3")
        .args(["-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:"])
        .arg(format!("onnxruntime=={VERSION}"))
        .arg("-d")
        .arg(&wheels)
        .status()
        .context("running python3 -m pip (install Python 3 with pip)")?;
    if !status.success() {
        bail!("pip could not download onnxruntime=={VERSION}");
    }
    let wheel = std::fs::read_dir(&wheels)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .find(|p| p.extension().is_some_and(|e| e == "whl"))
        .context("pip downloaded no wheel")?;
    let mut archive = zip::ZipArchive::new(std::fs::File::open(&wheel)?)?;
    let inner = format!("onnxruntime/capi/{}", library_name());
    let entry = archive.by_name(&inner).with_context(|| format!("{} has no {inner}", wheel.display()))?;
    let mut bytes = Vec::new();
    entry.take(LIBRARY_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > LIBRARY_BYTES {
        bail!("{inner} in {} is over {LIBRARY_BYTES} bytes", wheel.display());
    }
    let tmp = library.with_extension("partial");
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &library)?;
    Ok(library)
}

pub fn run() -> anyhow::Result<()> {
    println!("{}", provision()?.display());
    Ok(())
}
