//! The songs an evaluation plays: a split of the corpus, or a folder of the user's own
//! MIDI melodies and MusicXML lead sheets.

use anyhow::Context;
use comper_data::Split;
use comper_data::corpus::Corpus;
use comper_data::import::files_with_extensions;
use comper_data::import::midi::MidiFile;
use comper_data::import::musicxml;
use comper_music::{FrameTracks, Meter, Note};
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
    /// The meter the file starts in, where it states one.
    pub meter: Option<Meter>,
}

impl Song {
    /// The melody (and chord symbols) of one of the user's files, named `id`: a MIDI file (the
    /// track named "Melody", as in Comper's takes, else every note of every track) or a
    /// MusicXML lead sheet, with the tempo and meter it starts at. One rule for every command
    /// that reads a melody.
    pub fn read(path: &Path, id: String) -> anyhow::Result<Song> {
        let extension = path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase);
        let (tracks, tempo, meter) = match extension.as_deref() {
            Some("mid" | "midi") => {
                let file = MidiFile::read(path)?;
                (FrameTracks::encode(&melody_notes(&file), &[]), Some(file.initial_tempo()), file.meter)
            }
            _ => {
                let song = musicxml::import_file(path)?;
                (FrameTracks::encode(&song.sheet.melody, &song.sheet.chords), song.tempo, Some(song.sheet.meter))
            }
        };
        Ok(Song { id, tracks, tempo, meter })
    }
}

/// The melody of a MIDI file, in beats: the track named "Melody" (as in Comper's takes), else
/// every note of every track.
pub fn melody_notes(file: &MidiFile) -> Vec<Note> {
    let melody_track = file.tracks.iter().any(|t| t.name == "Melody");
    (file.tracks.iter())
        .filter(|t| !melody_track || t.name == "Melody")
        .flat_map(|t| &t.notes)
        .map(|n| Note { onset: file.beats(n.start), offset: file.beats(n.end), pitch: n.key })
        .collect()
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
                meter: None,
            })
            .collect();
        Songs { dataset: format!("the {} split (POP909 + Nottingham)", split.name()), songs }
    }

    /// The user's songs in `dir` ([`Song::read`]), each named by its path inside `dir`. Files
    /// that cannot be read are reported and left out.
    pub fn folder(dir: &Path) -> anyhow::Result<Songs> {
        let files = files_with_extensions(dir, &["mid", "midi", "musicxml", "xml", "mxl"])
            .with_context(|| format!("reading {}", dir.display()))?;
        let mut songs = Vec::new();
        for path in files {
            let id = path.strip_prefix(dir).unwrap_or(&path).display().to_string();
            match Song::read(&path, id) {
                Ok(song) => songs.push(song),
                Err(e) => eprintln!("skipping {}: {e}", path.display()),
            }
        }
        Ok(Songs { dataset: dir.display().to_string(), songs })
    }
}
