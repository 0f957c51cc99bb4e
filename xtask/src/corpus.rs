//! Loading the corpus cache that `cargo xtask data` writes, building it when absent.

use crate::paths;
use anyhow::Context;
use comper_data::corpus::{Corpus, SourcePaths, import_sources};
use std::path::Path;

/// The cached corpus at `cache_dir/corpus.bin`; if there is none, import the default
/// datasets with the default seed and write it, as `cargo xtask data` would.
pub fn load_or_build(cache_dir: &Path) -> anyhow::Result<Corpus> {
    let path = cache_dir.join("corpus.bin");
    if path.is_file() {
        return Ok(Corpus::load(&path)?);
    }
    eprintln!("no data cache at {}: importing the datasets first", path.display());
    let imports = import_sources(&SourcePaths::from_data_root(&paths::default_data_dir()), |_| {})?;
    let corpus = Corpus::build(&imports, crate::commands::data::DEFAULT_SEED);
    corpus.save(&path).with_context(|| format!("writing {}", path.display()))?;
    Ok(corpus)
}
