//! The corpus: every imported song with its split, saved as a fast-loading cache.
//!
//! `cargo xtask data` builds it once; training and evaluation load it in a fraction of a
//! second instead of re-reading thousands of MIDI and text files.

use crate::import::{self, ImportError, SourceImport};
use crate::split::{Manifest, Split};
use comper_music::{LeadSheet, Source};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Where each source's files are. POP909 and Nottingham come from the data root; MusicXML
/// folders and Hooktheory files are the user's own additions.
#[derive(Clone, Debug, Default)]
pub struct SourcePaths {
    pub pop909: Option<PathBuf>,
    pub nottingham: Option<PathBuf>,
    pub musicxml: Vec<PathBuf>,
    pub hooktheory: Vec<PathBuf>,
}

impl SourcePaths {
    /// The datasets shipped beside the project: `<root>/pop909` and `<root>/nottingham`.
    pub fn from_data_root(root: &Path) -> SourcePaths {
        SourcePaths {
            pop909: Some(root.join("pop909")),
            nottingham: Some(root.join("nottingham")),
            ..SourcePaths::default()
        }
    }
}

/// Run every configured importer. `on_done` is called after each source (for progress).
/// A missing source folder is an error that names it; bad files inside are skipped.
pub fn import_sources(
    paths: &SourcePaths,
    mut on_done: impl FnMut(&SourceImport),
) -> Result<Vec<SourceImport>, ImportError> {
    let mut imports = Vec::new();
    let mut run = |source: Source,
                   roots: Vec<&PathBuf>,
                   importer: fn(&Path) -> Result<SourceImport, ImportError>|
     -> Result<(), ImportError> {
        if roots.is_empty() {
            return Ok(());
        }
        let mut combined = SourceImport { source, songs: Vec::new(), skipped: Vec::new() };
        for root in roots {
            if !root.exists() {
                return Err(ImportError::Unsupported(format!(
                    "{} data not found at {} (pass --data-dir or set COMPER_DATA)",
                    source.name(),
                    root.display()
                )));
            }
            let part = importer(root)?;
            combined.songs.extend(part.songs);
            combined.skipped.extend(part.skipped);
        }
        on_done(&combined);
        imports.push(combined);
        Ok(())
    };
    run(Source::Pop909, paths.pop909.iter().collect(), import::pop909::import_dir)?;
    run(Source::Nottingham, paths.nottingham.iter().collect(), import::nottingham::import_dir)?;
    run(Source::MusicXml, paths.musicxml.iter().collect(), import::musicxml::import_dir)?;
    run(Source::Hooktheory, paths.hooktheory.iter().collect(), hooktheory_path)?;
    Ok(imports)
}

/// A Hooktheory path may be one file or a folder of them.
fn hooktheory_path(path: &Path) -> Result<SourceImport, ImportError> {
    if path.is_dir() { import::hooktheory::import_dir(path) } else { import::hooktheory::import_file(path) }
}

/// One song of the corpus and its split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CorpusSong {
    pub split: Split,
    pub sheet: LeadSheet,
}

/// Bumped whenever the cached layout or the tokenization rules change.
const FORMAT_VERSION: u32 = 1;

/// Every imported song with its split.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Corpus {
    format: u32,
    pub manifest: Manifest,
    pub songs: Vec<CorpusSong>,
}

/// Why a cache could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum CacheError {
    #[error("cannot read the data cache {path}: {source} (run `cargo xtask data` first)")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the data cache {path} is corrupt ({reason}); rebuild it with `cargo xtask data`")]
    Corrupt { path: PathBuf, reason: String },
    #[error(
        "the data cache {path} has format {found}, this build reads {expected}; rebuild it with `cargo xtask data`"
    )]
    Version { path: PathBuf, found: u32, expected: u32 },
}

impl Corpus {
    /// Split the imported songs with `seed` and collect them.
    pub fn build(imports: &[SourceImport], seed: u64) -> Corpus {
        let ids: BTreeMap<Source, Vec<String>> =
            imports.iter().map(|i| (i.source, i.songs.iter().map(|s| s.sheet.song_id.clone()).collect())).collect();
        let manifest = Manifest::new(seed, &ids);
        let songs = imports
            .iter()
            .flat_map(|i| &i.songs)
            .map(|song| CorpusSong {
                split: manifest.split_of(song.sheet.source, &song.sheet.song_id).unwrap_or(Split::Train),
                sheet: song.sheet.clone(),
            })
            .collect();
        Corpus { format: FORMAT_VERSION, manifest, songs }
    }

    /// The songs of one split.
    pub fn split(&self, split: Split) -> impl Iterator<Item = &LeadSheet> {
        self.songs.iter().filter(move |s| s.split == split).map(|s| &s.sheet)
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        let bytes = postcard::to_stdvec(self).map_err(std::io::Error::other)?;
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        // Write then rename, so a killed run never leaves a half-written cache behind.
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, bytes)?;
        std::fs::rename(tmp, path)
    }

    pub fn load(path: &Path) -> Result<Corpus, CacheError> {
        let bytes = std::fs::read(path).map_err(|source| CacheError::Io { path: path.into(), source })?;
        let corrupt = |reason: String| CacheError::Corrupt { path: path.into(), reason };
        // The version is the first field, so it can be checked before the rest is trusted.
        let (found, _) = postcard::take_from_bytes::<u32>(&bytes).map_err(|e| corrupt(e.to_string()))?;
        if found != FORMAT_VERSION {
            return Err(CacheError::Version { path: path.into(), found, expected: FORMAT_VERSION });
        }
        postcard::from_bytes(&bytes).map_err(|e| corrupt(e.to_string()))
    }
}
