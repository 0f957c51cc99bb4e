//! Importers: each reads one kind of source into [`LeadSheet`]s.
//!
//! A file that cannot be read becomes a [`Skipped`] entry with its path and reason; it never
//! aborts the import and never panics. Per-file work runs in parallel on rayon's pool.

pub mod hooktheory;
pub mod midi;
pub mod musicxml;
pub mod nottingham;
pub mod pop909;

use crate::labels::ChordTally;
use comper_music::{LONGEST_SONG_BEATS, LeadSheet, Source};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// Why one file (or song) was not imported.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read file: {0}")]
    Io(#[from] std::io::Error),
    #[error("malformed MIDI: {0}")]
    Midi(String),
    #[error("malformed MusicXML: {0}")]
    Xml(String),
    #[error("malformed JSON: {0}")]
    Json(String),
    #[error("unsupported content: {0}")]
    Unsupported(String),
}

/// One imported song and how its chord labels reached the vocabulary.
#[derive(Clone, Debug)]
pub struct ImportedSong {
    pub sheet: LeadSheet,
    pub tally: ChordTally,
    /// How far each melody onset lies from its nearest 16th-note line of the song's annotated
    /// beats, in ms (positive: after it); only for sources timed in seconds (POP909).
    pub onset_offsets_ms: Vec<f32>,
    /// The tempo the file states, in quarter notes per minute (MusicXML's `<sound tempo>`);
    /// the corpus does not keep it, the listening renders use it.
    pub tempo: Option<f64>,
}

/// A file or song left out, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// Everything one importer produced from one folder.
#[derive(Clone, Debug)]
pub struct SourceImport {
    pub source: Source,
    pub songs: Vec<ImportedSong>,
    pub skipped: Vec<Skipped>,
}

impl SourceImport {
    /// Import `paths` in parallel with `import`, keeping the input order.
    pub fn from_paths(
        source: Source,
        paths: Vec<PathBuf>,
        import: impl Fn(&Path) -> Result<ImportedSong, ImportError> + Sync,
    ) -> SourceImport {
        let results: Vec<_> = paths.into_par_iter().map(|p| (import(&p), p)).collect();
        let mut songs = Vec::new();
        let mut skipped = Vec::new();
        for (result, path) in results {
            match result {
                Ok(song) => songs.push(song),
                Err(e) => skipped.push(Skipped { path, reason: e.to_string() }),
            }
        }
        SourceImport { source, songs, skipped }
    }

    /// The combined chord tally of all imported songs.
    pub fn tally(&self) -> ChordTally {
        let mut tally = ChordTally::default();
        for song in &self.songs {
            tally.merge(&song.tally);
        }
        tally
    }
}

/// Finish a freshly read lead sheet: drop empty or non-finite events, sort and merge
/// restated chords, and refuse a song without melody or longer than Comper reads.
pub fn finish(mut sheet: LeadSheet, tally: ChordTally) -> Result<ImportedSong, ImportError> {
    let valid = |on: f64, off: f64| on.is_finite() && off.is_finite() && on >= 0.0 && off > on;
    sheet.melody.retain(|n| valid(n.onset, n.offset) && n.pitch < 128);
    sheet.chords.retain(|c| valid(c.onset, c.offset));
    sheet.normalize();
    if sheet.melody.is_empty() {
        return Err(ImportError::Unsupported("no melody notes".into()));
    }
    let beats = sheet.duration_beats();
    if beats > LONGEST_SONG_BEATS {
        return Err(ImportError::Unsupported(format!(
            "{beats:.0} beats long (Comper reads up to {LONGEST_SONG_BEATS})"
        )));
    }
    Ok(ImportedSong { sheet, tally, onset_offsets_ms: Vec::new(), tempo: None })
}

/// Files under `root` (recursively) whose extension is one of `extensions`, sorted.
pub fn files_with_extensions(root: &Path, extensions: &[&str]) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| extensions.iter().any(|x| x.eq_ignore_ascii_case(e)))
            {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}
