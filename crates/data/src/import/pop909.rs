//! POP909: the `MELODY` track of `NNN.mid`, chords from `chord_midi.txt`, all placed on the
//! beat grid of `beat_midi.txt`.
//!
//! The annotation files are in seconds. Seconds become beats by piecewise-linear
//! interpolation over the annotated beat times (extrapolated past either end with the
//! nearest beat interval). Beat 0 is the bar line of the first annotated downbeat, moved
//! back by whole bars while annotated beats precede it, so a pickup lands in bar 0.
//! Meter: the most common number of beats between downbeats, over 4 (POP909 has 4 and 6).
//! Key: the first line of `key_audio.txt`, if readable. Each onset's distance from its
//! 16th-note line is kept for the data report, which shows whether the melody keeps a
//! player's timing.

use super::midi::MidiFile;
use super::{ImportError, ImportedSong, SourceImport, finish};
use crate::labels::{ChordTally, parse_harte};
use comper_music::{ChordEvent, FRAMES_PER_BEAT, Key, LeadSheet, Meter, Mode, Note, PitchClass, Source};
use std::path::{Path, PathBuf};

/// Import every song folder under `root` (the dataset folder or its `POP909/` child).
pub fn import_dir(root: &Path) -> Result<SourceImport, ImportError> {
    let songs_dir = if root.join("POP909").is_dir() { root.join("POP909") } else { root.to_path_buf() };
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(&songs_dir)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
    dirs.sort();
    Ok(SourceImport::from_paths(Source::Pop909, dirs, import_song))
}

/// Import one song folder `NNN/`.
pub fn import_song(dir: &Path) -> Result<ImportedSong, ImportError> {
    let id = dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| ImportError::Unsupported("song folder without a name".into()))?;
    let read = |name: String| {
        let path = dir.join(&name);
        std::fs::read_to_string(&path).map_err(|e| ImportError::Unsupported(format!("{name}: {e}")))
    };
    let grid = BeatGrid::parse(&read("beat_midi.txt".into())?)?;
    let midi = MidiFile::read(&dir.join(format!("{id}.mid")))?;
    let melody_track = midi.track("MELODY").ok_or_else(|| ImportError::Unsupported("no track named MELODY".into()))?;
    let melody = melody_track
        .notes
        .iter()
        .map(|n| Note { onset: grid.beat(midi.seconds(n.start)), offset: grid.beat(midi.seconds(n.end)), pitch: n.key })
        .filter(|n| n.onset >= 0.0)
        .collect();
    let (chords, tally) = parse_chords(&read("chord_midi.txt".into())?, &grid)?;
    let key = read("key_audio.txt".into()).ok().and_then(|text| parse_key(&text));
    let onsets = melody_track.notes.iter().map(|n| midi.seconds(n.start)).filter(|&s| grid.beat(s) >= 0.0);
    let onset_offsets_ms = onsets.map(|s| (1e3 * grid.offset_from_sixteenth(s)) as f32).collect();
    let sheet = LeadSheet {
        source: Source::Pop909,
        song_id: id.to_string(),
        meter: Meter { numerator: grid.beats_per_bar, denominator: 4 },
        key,
        melody,
        chords,
    };
    Ok(ImportedSong { onset_offsets_ms, ..finish(sheet, tally)? })
}

/// Annotated beat times and where beat 0 lies among them.
struct BeatGrid {
    times: Vec<f64>,
    /// Beat number of `times[0]`: 0, or the pickup's position in bar 0.
    first_beat: f64,
    beats_per_bar: u8,
}

impl BeatGrid {
    fn parse(text: &str) -> Result<BeatGrid, ImportError> {
        let mut times = Vec::new();
        let mut downbeats = Vec::new();
        for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let bad = || ImportError::Unsupported(format!("beat_midi.txt line {}: '{line}'", line_no + 1));
            let cols: Vec<f64> =
                line.split_whitespace().map(str::parse).collect::<Result<_, _>>().map_err(|_| bad())?;
            let [time, _, downbeat] = cols[..] else { return Err(bad()) };
            if !time.is_finite() || times.last().is_some_and(|&last| time <= last) {
                return Err(bad());
            }
            if downbeat == 1.0 {
                downbeats.push(times.len());
            }
            times.push(time);
        }
        if times.len() < 2 {
            return Err(ImportError::Unsupported("beat_midi.txt has fewer than two beats".into()));
        }
        let beats_per_bar = most_common_gap(&downbeats).unwrap_or(4).clamp(1, 12) as u8;
        let first_downbeat = downbeats.first().copied().unwrap_or(0);
        let bars_before = first_downbeat.div_ceil(usize::from(beats_per_bar));
        let first_beat = (bars_before * usize::from(beats_per_bar) - first_downbeat) as f64;
        Ok(BeatGrid { times, first_beat, beats_per_bar })
    }

    /// Seconds → beats.
    fn beat(&self, seconds: f64) -> f64 {
        let t = &self.times;
        let i = t.partition_point(|&x| x <= seconds).clamp(1, t.len() - 1);
        let (a, b) = (t[i - 1], t[i]);
        self.first_beat + (i - 1) as f64 + (seconds - a) / (b - a)
    }

    /// Beats → seconds, the inverse of [`beat`](Self::beat).
    fn seconds(&self, beat: f64) -> f64 {
        let t = &self.times;
        let x = beat - self.first_beat;
        let i = (x.floor().max(0.0) as usize).min(t.len() - 2);
        t[i] + (x - i as f64) * (t[i + 1] - t[i])
    }

    /// Seconds from the 16th-note line nearest `seconds` to it (positive: after the line).
    fn offset_from_sixteenth(&self, seconds: f64) -> f64 {
        let frames = FRAMES_PER_BEAT as f64;
        seconds - self.seconds((self.beat(seconds) * frames).round() / frames)
    }
}

/// The most frequent distance between consecutive downbeat indices.
fn most_common_gap(downbeats: &[usize]) -> Option<usize> {
    let mut counts = std::collections::BTreeMap::<usize, usize>::new();
    for w in downbeats.windows(2) {
        *counts.entry(w[1] - w[0]).or_default() += 1;
    }
    counts.into_iter().max_by_key(|&(gap, n)| (n, std::cmp::Reverse(gap))).map(|(gap, _)| gap)
}

fn parse_chords(text: &str, grid: &BeatGrid) -> Result<(Vec<ChordEvent>, ChordTally), ImportError> {
    let mut tally = ChordTally::default();
    let mut events = Vec::new();
    for (line_no, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = || ImportError::Unsupported(format!("chord_midi.txt line {}: '{line}'", line_no + 1));
        let mut cols = line.split_whitespace();
        let (Some(start), Some(end), Some(label)) = (cols.next(), cols.next(), cols.next()) else {
            return Err(bad());
        };
        let (start, end): (f64, f64) = (start.parse().map_err(|_| bad())?, end.parse().map_err(|_| bad())?);
        match parse_harte(label) {
            Ok(Some((mapping, bass))) => {
                events.push((
                    ChordEvent { onset: grid.beat(start), offset: grid.beat(end), chord: mapping.chord(), bass },
                    mapping,
                ));
            }
            Ok(None) => {}
            Err(_) => tally.record_unmapped(label),
        }
    }
    // Count each chord once per change of harmony, as the lead sheet will hold it.
    let mut merged: Vec<ChordEvent> = Vec::new();
    for (event, mapping) in events {
        match merged.last_mut() {
            Some(last) if last.is_restated_by(&event) => {
                last.offset = event.offset;
            }
            _ => {
                tally.record(&mapping);
                merged.push(event);
            }
        }
    }
    Ok((merged, tally))
}

/// `start end Gb:maj` → key.
fn parse_key(text: &str) -> Option<Key> {
    let label = text.lines().next()?.split_whitespace().nth(2)?;
    let (tonic, mode) = label.split_once(':')?;
    let mode = match mode {
        "maj" => Mode::Major,
        "min" => Mode::Minor,
        _ => return None,
    };
    Some(Key { tonic: PitchClass::parse(tonic)?, mode })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn beat_grid_interpolates_and_puts_the_pickup_in_bar_zero() {
        // One pickup beat, then a downbeat every 4 beats, 0.5 s per beat.
        let text = "0.0 0 0\n0.5 1 1\n1.0 0 0\n1.5 1 0\n2.0 0 0\n2.5 1 1\n3.0 0 0\n";
        let grid = BeatGrid::parse(text).unwrap();
        assert_eq!(grid.beats_per_bar, 4);
        assert_eq!(grid.beat(0.5), 4.0);
        assert_eq!(grid.beat(0.0), 3.0);
        assert_eq!(grid.beat(0.75), 4.5);
        assert_eq!(grid.beat(3.5), 10.0);
        assert_eq!(grid.seconds(4.5), 0.75);
        // 16ths are 125 ms here: 0.76 s is 10 ms after the line at 0.75 s, 0.74 s 10 ms before.
        assert!((grid.offset_from_sixteenth(0.76) - 0.010).abs() < 1e-9);
        assert!((grid.offset_from_sixteenth(0.74) + 0.010).abs() < 1e-9);
        assert!((grid.offset_from_sixteenth(3.52) - 0.020).abs() < 1e-9, "past the last beat, extrapolated");
    }

    #[test]
    fn malformed_annotations_say_which_line() {
        let err = BeatGrid::parse("0.0 0 1\nnot numbers\n").err().unwrap();
        assert!(err.to_string().contains("beat_midi.txt line 2"), "{err}");
        let grid = BeatGrid::parse("0 0 1\n1 0 0\n2 0 0\n").unwrap();
        let err = parse_chords("0.0 1.0\n", &grid).err().unwrap();
        assert!(err.to_string().contains("chord_midi.txt line 1"), "{err}");
    }

    #[test]
    fn chord_labels_repeated_per_beat_merge_and_no_chord_is_a_gap() {
        let grid = BeatGrid::parse("0 0 1\n1 0 0\n2 0 0\n3 0 0\n4 0 1\n5 0 0\n").unwrap();
        let (events, tally) = parse_chords("0 1 N\n1 2 C:maj\n2 3 C:maj\n3 4 A:min7/5\n4 5 Q:maj\n", &grid).unwrap();
        let names: Vec<_> = events.iter().map(|e| (e.onset, e.offset, e.chord.to_string())).collect();
        assert_eq!(names, [(1.0, 3.0, "C".into()), (3.0, 4.0, "Am7".into())]);
        assert_eq!(events[1].bass, Some(PitchClass::new(4)));
        assert_eq!((tally.exact, tally.unmapped_count()), (2, 1));
    }

    #[test]
    fn keys_parse_from_the_audio_annotation() {
        assert_eq!(parse_key("2.6 191.9 Gb:maj\n"), Some(Key { tonic: PitchClass::new(6), mode: Mode::Major }));
        assert_eq!(parse_key("garbage"), None);
    }
}
