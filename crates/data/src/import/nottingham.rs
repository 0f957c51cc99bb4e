//! Nottingham: the melody/chord MIDI pairs (`MIDI/melody/NAME.mid`, `MIDI/chords/NAME.mid`).
//!
//! Why the MIDI pairs rather than the ABC files: the renderings already expand repeats and
//! first/second endings and put melody and chords on one time base, which an ABC reader
//! would have to re-implement (repeats, tuplets, broken rhythms, meter changes). The chord
//! files are block voicings of the written symbols, so each symbol is recovered exactly
//! from the pitch classes sounding between consecutive note boundaries, with the lowest
//! note as the bass ([`Chord::recognize`]); the tests check tunes bar by bar against the
//! symbols written in their ABC. Beat 0 is the MIDI file's start (pickups are padded to a
//! full bar there). A tune without a chord file is skipped.

use super::midi::{MidiFile, MidiNote};
use super::{ImportError, ImportedSong, SourceImport, finish};
use crate::labels::{ChordTally, Mapping, map_set};
use comper_music::pitch::PitchClassSet;
use comper_music::{Chord, ChordEvent, LeadSheet, Meter, Note, PitchClass, Source};
use std::path::Path;

/// Import every tune in `root/MIDI/melody` (or `root/melody` when given the MIDI folder).
pub fn import_dir(root: &Path) -> Result<SourceImport, ImportError> {
    let midi_dir = if root.join("MIDI").is_dir() { root.join("MIDI") } else { root.to_path_buf() };
    let melodies = super::files_with_extensions(&midi_dir.join("melody"), &["mid"])?;
    let chords_dir = midi_dir.join("chords");
    Ok(SourceImport::from_paths(Source::Nottingham, melodies, |path| {
        import_tune(path, &chords_dir.join(path.file_name().unwrap_or_default()))
    }))
}

/// Import one tune from its melody file and chord file.
pub fn import_tune(melody_path: &Path, chords_path: &Path) -> Result<ImportedSong, ImportError> {
    if !chords_path.is_file() {
        return Err(ImportError::Unsupported(format!("no chord file {}", chords_path.display())));
    }
    let melody_midi = MidiFile::read(melody_path)?;
    let chord_midi = MidiFile::read(chords_path)?;
    let melody = melody_midi
        .tracks
        .iter()
        .flat_map(|t| &t.notes)
        .map(|n| Note { onset: melody_midi.beats(n.start), offset: melody_midi.beats(n.end), pitch: n.key })
        .collect();
    let notes: Vec<MidiNote> = chord_midi.tracks.iter().flat_map(|t| t.notes.iter().copied()).collect();
    let mut tally = ChordTally::default();
    let chords = recognize_chords(&notes, &mut tally)
        .into_iter()
        .map(|(start, end, chord, bass)| ChordEvent {
            onset: chord_midi.beats(start),
            offset: chord_midi.beats(end),
            chord,
            bass,
        })
        .collect();
    let sheet = LeadSheet {
        source: Source::Nottingham,
        song_id: file_stem(melody_path),
        meter: melody_midi.meter.unwrap_or(Meter::COMMON),
        key: melody_midi.key,
        melody,
        chords,
    };
    finish(sheet, tally)
}

fn file_stem(path: &Path) -> String {
    path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// A recognized chord span in ticks: `(start, end, chord, bass)`.
type TickChord = (u64, u64, Chord, Option<PitchClass>);

/// Cut the chord notes at every note boundary and name what sounds in each piece; pieces
/// naming the same chord back to back merge into one event, tallied once.
fn recognize_chords(notes: &[MidiNote], tally: &mut ChordTally) -> Vec<TickChord> {
    let mut bounds: Vec<u64> = notes.iter().flat_map(|n| [n.start, n.end]).collect();
    bounds.sort_unstable();
    bounds.dedup();
    let mut events: Vec<TickChord> = Vec::new();
    for w in bounds.windows(2) {
        let (start, end) = (w[0], w[1]);
        let sounding: Vec<u8> = notes.iter().filter(|n| n.start <= start && start < n.end).map(|n| n.key).collect();
        let Some(&lowest) = sounding.iter().min() else { continue };
        let set: PitchClassSet = sounding.iter().map(|&k| PitchClass::of_midi(k)).collect();
        let bass = PitchClass::of_midi(lowest);
        let mapping = match Chord::recognize(set, Some(bass)) {
            Some(chord) => Mapping::Exact(chord),
            None => match map_set(bass, set.relative_to(bass), &pitch_set_label(set)) {
                Some(mapping) => mapping,
                None => continue,
            },
        };
        let chord = mapping.chord();
        let bass = Some(bass).filter(|&b| b != chord.root);
        match events.last_mut() {
            Some(last) if last.1 == start && last.2 == chord && last.3 == bass => last.1 = end,
            _ => {
                tally.record(&mapping);
                events.push((start, end, chord, bass));
            }
        }
    }
    events
}

/// "pitch set {C E G Bb}"-style label for the report.
fn pitch_set_label(set: PitchClassSet) -> String {
    let names: Vec<_> = set.iter().map(PitchClass::name).collect();
    format!("pitch set {{{}}}", names.join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(start: u64, end: u64, key: u8) -> MidiNote {
        MidiNote { start, end, key }
    }

    #[test]
    fn block_chords_are_named_and_restatements_merge() {
        let notes = [
            n(0, 10, 43),
            n(0, 10, 47),
            n(0, 10, 50),
            n(10, 20, 43),
            n(10, 20, 47),
            n(10, 20, 50),
            n(20, 30, 42),
            n(20, 30, 45),
            n(20, 30, 50),
        ];
        let mut tally = ChordTally::default();
        let events = recognize_chords(&notes, &mut tally);
        let named: Vec<_> = events.iter().map(|e| (e.0, e.1, e.2.to_string(), e.3)).collect();
        assert_eq!(named, [(0, 20, "G".into(), None), (20, 30, "D".into(), Some(PitchClass::new(6)))]);
        assert_eq!(tally.exact, 2);
    }

    #[test]
    fn sets_outside_the_vocabulary_are_reduced_and_reported() {
        // C E G D: Cadd9 → C, reported as a reduction.
        let notes = [n(0, 10, 48), n(0, 10, 52), n(0, 10, 55), n(0, 10, 62)];
        let mut tally = ChordTally::default();
        let events = recognize_chords(&notes, &mut tally);
        assert_eq!(events[0].2.to_string(), "C");
        assert_eq!(tally.reduced_count(), 1);
        assert!(tally.reduced.contains_key("pitch set {C D E G}"));
    }
}
