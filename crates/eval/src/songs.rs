//! The songs an evaluation plays: a split of the corpus, or a folder of the user's own
//! MIDI melodies and MusicXML lead sheets.

use anyhow::Context;
use comper_data::Split;
use comper_data::corpus::Corpus;
use comper_data::import::files_with_extensions;
use comper_data::import::midi::MidiFile;
use comper_data::import::musicxml;
use comper_music::{FrameTracks, Note};
use std::path::Path;

/// The songs, and where they come from (for the report).
pub struct Songs {
    pub dataset: String,
    pub songs: Vec<Song>,
}

pub struct Song {
    pub id: String,
    pub tracks: FrameTracks,
    /// Quarter notes per minute, where the file states it (the corpus keeps none): the
    /// listening renders play at it.
    pub tempo: Option<f64>,
}

impl Songs {
    /// Every song of `split`, named `source/id`.
    pub fn split(corpus: &Corpus, split: Split) -> Songs {
        let songs = corpus
            .split(split)
            .map(|s| Song {
                id: format!("{}/{}", s.source.name(), s.song_id),
                tracks: FrameTracks::encode(&s.melody, &s.chords),
                tempo: None,
            })
            .collect();
        Songs { dataset: format!("the {} split (POP909 + Nottingham)", split.name()), songs }
    }

    /// The user's songs: MIDI files (the track named "Melody", as in Comper's takes, else
    /// every note of every track) and MusicXML lead sheets (melody and chord symbols). Files
    /// that cannot be read are reported and left out. Each is named by its path inside `dir`
    /// and keeps the tempo it starts at.
    pub fn folder(dir: &Path) -> anyhow::Result<Songs> {
        let files = files_with_extensions(dir, &["mid", "midi", "musicxml", "xml", "mxl"])
            .with_context(|| format!("reading {}", dir.display()))?;
        let mut songs = Vec::new();
        for path in files {
            let song = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
                Some("mid" | "midi") => MidiFile::read(&path).map(|file| {
                    let melody_track = file.tracks.iter().any(|t| t.name == "Melody");
                    let notes: Vec<Note> = file
                        .tracks
                        .iter()
                        .filter(|t| !melody_track || t.name == "Melody")
                        .flat_map(|t| &t.notes)
                        .map(|n| Note { onset: file.beats(n.start), offset: file.beats(n.end), pitch: n.key })
                        .collect();
                    (FrameTracks::encode(&notes, &[]), Some(file.initial_tempo()))
                }),
                _ => musicxml::import_file(&path)
                    .map(|s| (FrameTracks::encode(&s.sheet.melody, &s.sheet.chords), s.tempo)),
            };
            match song {
                Ok((tracks, tempo)) => songs.push(Song {
                    id: path.strip_prefix(dir).unwrap_or(&path).display().to_string(),
                    tracks,
                    tempo,
                }),
                Err(e) => eprintln!("skipping {}: {e}", path.display()),
            }
        }
        Ok(Songs { dataset: dir.display().to_string(), songs })
    }
}
