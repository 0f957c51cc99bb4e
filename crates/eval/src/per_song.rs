//! One row per song and system, so two systems can be compared song by song: the same
//! metrics as the report's tables, each computed on one take.

use crate::diversity::chord_use;
use crate::harmony::harmony;
use crate::rhythm::rhythm;
use comper_music::FrameTracks;
use serde::Serialize;
use std::path::Path;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SongRow {
    pub system: String,
    /// The song's source and id (`pop909/001`), or the file it came from.
    pub song: String,
    /// Melody notes in the chord over the frames where both sound (empty: none do).
    pub harmony: Option<f64>,
    pub changes_per_bar: f64,
    pub chord_length_entropy: f64,
    /// Share of chord changes that land on a melody onset.
    pub changes_on_onsets: f64,
    pub unique_chords: usize,
}

/// The rows of `system`, whose takes are the songs `ids` in order.
pub fn rows(system: &str, ids: &[String], takes: &[FrameTracks]) -> Vec<SongRow> {
    ids.iter()
        .zip(takes)
        .map(|(id, take)| {
            let take = std::slice::from_ref(take);
            let rhythm = rhythm(take);
            SongRow {
                system: system.to_string(),
                song: id.clone(),
                harmony: harmony(take).pooled,
                changes_per_bar: rhythm.changes_per_bar,
                chord_length_entropy: rhythm.chord_length_entropy,
                changes_on_onsets: rhythm.onset_intervals[0],
                unique_chords: chord_use(take).unique,
            }
        })
        .collect()
}

/// Write `rows` as CSV with a header.
pub fn write_csv(rows: &[SongRow], path: &Path) -> Result<(), csv::Error> {
    let mut writer = csv::Writer::from_path(path)?;
    rows.iter().try_for_each(|row| writer.serialize(row))?;
    writer.flush()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, ChordEvent, Note, PitchClass, Quality};

    #[test]
    fn each_song_is_scored_alone_and_named() {
        let melody = |pitch| vec![Note { onset: 0.0, offset: 4.0, pitch }];
        let c =
            ChordEvent { onset: 0.0, offset: 4.0, chord: Chord::new(PitchClass::new(0), Quality::Major), bass: None };
        let takes = [FrameTracks::encode(&melody(64), &[c]), FrameTracks::encode(&melody(66), &[c])];
        let ids = ["pop909/001".to_string(), "nottingham/jigs, 3".to_string()];
        let rows = rows("Online MLE", &ids, &takes);
        assert_eq!((rows[0].harmony, rows[1].harmony), (Some(1.0), Some(0.0)), "E is in C, F# is not");
        let path = std::env::temp_dir().join(format!("comper-per-song-{}.csv", std::process::id()));
        write_csv(&rows, &path).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        let _ = std::fs::remove_file(&path);
        assert!(text.starts_with("system,song,harmony,"));
        assert!(text.contains("\"nottingham/jigs, 3\""), "a comma in an id is quoted: {text}");
    }
}
