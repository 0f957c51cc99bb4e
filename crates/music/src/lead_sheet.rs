//! The canonical lead sheet: a monophonic-or-not melody and a chord track, in beats.
//!
//! Every importer produces this type and every later stage (tokenizer, report, training,
//! evaluation) reads it. Times are in quarter-note beats from the start of the song
//! (beat 0 is the first bar line, or the start of a pickup bar padded to a full bar).

use crate::chord::Chord;
use crate::meter::Meter;
use crate::pitch::PitchClass;
use serde::{Deserialize, Serialize};

/// Where a lead sheet came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Source {
    Pop909,
    Nottingham,
    MusicXml,
    Hooktheory,
}

impl Source {
    pub const ALL: [Source; 4] = [Source::Pop909, Source::Nottingham, Source::MusicXml, Source::Hooktheory];

    pub fn name(self) -> &'static str {
        match self {
            Source::Pop909 => "pop909",
            Source::Nottingham => "nottingham",
            Source::MusicXml => "musicxml",
            Source::Hooktheory => "hooktheory",
        }
    }
}

/// A melody note. `onset < offset`, both in beats; `pitch` is a MIDI pitch.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Note {
    pub onset: f64,
    pub offset: f64,
    pub pitch: u8,
}

/// A chord symbol sounding from `onset` to `offset` (beats). Time not covered by any
/// event is "no chord".
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChordEvent {
    pub onset: f64,
    pub offset: f64,
    pub chord: Chord,
    /// The written bass when it is not the root (slash chords); tokens ignore it.
    pub bass: Option<PitchClass>,
}

impl ChordEvent {
    /// True when `next` restates this chord (same chord and bass) starting where this ends.
    pub fn is_restated_by(&self, next: &ChordEvent) -> bool {
        self.chord == next.chord && self.bass == next.bass && (next.onset - self.offset).abs() < 1e-6
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Mode {
    Major,
    Minor,
}

/// A key: tonic and mode.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Key {
    pub tonic: PitchClass,
    pub mode: Mode,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LeadSheet {
    pub source: Source,
    /// Unique within the source (a folder number, a file stem, a tune title).
    pub song_id: String,
    pub meter: Meter,
    pub key: Option<Key>,
    /// Sorted by onset.
    pub melody: Vec<Note>,
    /// Sorted by onset, not overlapping.
    pub chords: Vec<ChordEvent>,
}

impl LeadSheet {
    /// Length in beats: the end of the last note or chord.
    pub fn duration_beats(&self) -> f64 {
        let melody_end = self.melody.iter().map(|n| n.offset).fold(0.0, f64::max);
        let chord_end = self.chords.iter().map(|c| c.offset).fold(0.0, f64::max);
        melody_end.max(chord_end)
    }

    /// Number of bars, counting a final partial bar.
    pub fn bars(&self) -> usize {
        (self.duration_beats() / self.meter.beats_per_bar()).ceil() as usize
    }

    /// Sort both tracks and merge neighbouring identical chords that touch, so that a
    /// chord event always means a change of harmony (sources that restate the chord every
    /// beat or bar then agree with those that do not).
    pub fn normalize(&mut self) {
        self.melody.sort_by(|a, b| a.onset.total_cmp(&b.onset).then(a.pitch.cmp(&b.pitch)));
        self.chords.sort_by(|a, b| a.onset.total_cmp(&b.onset));
        let mut merged: Vec<ChordEvent> = Vec::with_capacity(self.chords.len());
        for event in self.chords.drain(..) {
            match merged.last_mut() {
                Some(last) if last.is_restated_by(&event) => last.offset = event.offset,
                _ => merged.push(event),
            }
        }
        self.chords = merged;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chord::Quality;

    fn event(onset: f64, offset: f64, root: i32) -> ChordEvent {
        ChordEvent { onset, offset, chord: Chord::new(PitchClass::new(root), Quality::Major), bass: None }
    }

    #[test]
    fn normalize_merges_restated_chords_only_when_they_touch() {
        let mut sheet = LeadSheet {
            source: Source::Pop909,
            song_id: "t".into(),
            meter: Meter::COMMON,
            key: None,
            melody: vec![],
            chords: vec![event(1.0, 2.0, 0), event(0.0, 1.0, 0), event(3.0, 4.0, 0), event(4.0, 5.0, 7)],
        };
        sheet.normalize();
        let spans: Vec<_> = sheet.chords.iter().map(|c| (c.onset, c.offset)).collect();
        assert_eq!(spans, [(0.0, 2.0), (3.0, 4.0), (4.0, 5.0)]);
        assert_eq!(sheet.bars(), 2);
    }
}
