//! The chord chart: what Comper played, bar by bar, one cell per beat.

use comper_host::{MelodyNote, NoteKind, Performance, Played};
use comper_music::pitch::PitchClassSet;
use comper_music::spelling::Spelling;
use comper_music::{Chord, PitchClass};
use std::fmt::Write;

/// A change of the sounding chord (`None`: silence) at a beat position.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ChordChange {
    pub beats: f64,
    pub chord: Option<Chord>,
}

impl ChordChange {
    /// Name the chord the played notes sound after each sample that changed them.
    pub fn from_played(played: &[Played], performance: &Performance) -> Vec<ChordChange> {
        let mut sounding: Vec<u8> = Vec::new();
        let mut changes: Vec<ChordChange> = Vec::new();
        let mut i = 0;
        while i < played.len() {
            let sample = played[i].sample;
            while i < played.len() && played[i].sample == sample {
                let event = played[i].event;
                match event.kind {
                    NoteKind::On => sounding.push(event.key),
                    NoteKind::Off => sounding.retain(|&k| k != event.key),
                }
                i += 1;
            }
            let set: PitchClassSet = sounding.iter().map(|&k| PitchClass::of_midi(k)).collect();
            let bass = sounding.iter().min().map(|&k| PitchClass::of_midi(k));
            let chord = if set.is_empty() { None } else { Chord::recognize(set, bass) };
            if changes.last().is_none_or(|c| c.chord != chord) {
                changes.push(ChordChange { beats: performance.beats_of(sample), chord });
            }
        }
        changes
    }
}

/// How to name the chords around `beat`: in the key of the melody's notes in its bar and the
/// bars on either side (the chart is read after the take, so it may look ahead).
pub fn spelling_at(melody: &[MelodyNote], beat: f64, beats_per_bar: f64) -> Spelling {
    let bar_start = (beat / beats_per_bar).floor() * beats_per_bar;
    let around = bar_start - beats_per_bar..bar_start + 2.0 * beats_per_bar;
    Spelling::fitting(melody.iter().filter(|n| around.contains(&n.start)).map(|n| PitchClass::of_midi(n.key)))
}

/// One line per bar: a cell per beat with the chord that starts there (spelled in the key
/// the melody is in around it), `.` while it holds, `-` for silence, then the melody's notes.
pub fn render(changes: &[ChordChange], melody: &[MelodyNote], beats_per_bar: f64, end: f64) -> String {
    let mut out = String::new();
    let beats = end.ceil() as usize;
    let per_bar = beats_per_bar.round().max(1.0) as usize;
    let chord_at = |beat: f64| changes.iter().rev().find(|c| c.beats < beat + 1e-6).and_then(|c| c.chord);
    for bar in 0..beats.div_ceil(per_bar) {
        let _ = write!(out, "bar {:>3} |", bar + 1);
        for beat in bar * per_bar..((bar + 1) * per_bar).min(beats) {
            let b = beat as f64;
            let starts = changes.iter().find(|c| c.beats >= b - 1e-6 && c.beats < b + 1.0 - 1e-6 && c.chord.is_some());
            let cell = match (starts, chord_at(b + 0.999)) {
                (Some(change), _) => {
                    change.chord.map(|c| spelling_at(melody, b, beats_per_bar).chord(c)).unwrap_or_default()
                }
                (None, Some(_)) => ".".into(),
                (None, None) => "-".into(),
            };
            let _ = write!(out, " {cell:<6}");
        }
        let bar_start = (bar * per_bar) as f64;
        let notes: Vec<String> = melody
            .iter()
            .filter(|n| n.start >= bar_start && n.start < bar_start + beats_per_bar)
            .map(|n| pitch_name(n.key))
            .collect();
        let _ = writeln!(out, "| {}", notes.join(" "));
    }
    out
}

fn pitch_name(key: u8) -> String {
    format!("{}{}", PitchClass::of_midi(key), i32::from(key) / 12 - 1)
}
