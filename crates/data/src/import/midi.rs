//! Standard MIDI files as the importers need them: notes per track with tick times, the
//! tempo map (for sources annotated in seconds), and the first meter and key.

use super::ImportError;
use comper_music::{Key, Meter, Mode, PitchClass};
use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use std::path::Path;

/// A note with absolute start and end ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MidiNote {
    pub start: u64,
    pub end: u64,
    pub key: u8,
}

#[derive(Clone, Debug, Default)]
pub struct MidiTrack {
    pub name: String,
    pub notes: Vec<MidiNote>,
}

/// The parts of a MIDI file the importers use.
#[derive(Clone, Debug)]
pub struct MidiFile {
    pub ticks_per_beat: u16,
    pub tracks: Vec<MidiTrack>,
    /// The first time signature in any track.
    pub meter: Option<Meter>,
    /// The first key signature in any track.
    pub key: Option<Key>,
    /// `(tick, microseconds per quarter note)`, sorted, starting at tick 0.
    tempo_map: Vec<(u64, u32)>,
}

/// MIDI's default tempo, 120 BPM, in microseconds per quarter note.
const DEFAULT_TEMPO: u32 = 500_000;

impl MidiFile {
    pub fn read(path: &Path) -> Result<MidiFile, ImportError> {
        Self::parse(&std::fs::read(path)?)
    }

    pub fn parse(bytes: &[u8]) -> Result<MidiFile, ImportError> {
        let smf = Smf::parse(bytes).map_err(|e| ImportError::Midi(e.to_string()))?;
        let ticks_per_beat = match smf.header.timing {
            Timing::Metrical(t) if t.as_int() > 0 => t.as_int(),
            _ => return Err(ImportError::Unsupported("MIDI file with timecode timing".into())),
        };
        let mut file = MidiFile { ticks_per_beat, tracks: Vec::new(), meter: None, key: None, tempo_map: Vec::new() };
        let mut tempos: Vec<(u64, u32)> = Vec::new();
        for events in &smf.tracks {
            let mut track = MidiTrack::default();
            // Sounding notes per (channel, key), FIFO so repeated keys pair in order.
            let mut open: Vec<(u8, u8, u64)> = Vec::new();
            let mut tick = 0u64;
            for event in events {
                tick += u64::from(event.delta.as_int());
                match event.kind {
                    TrackEventKind::Midi { channel, message } => {
                        let ch = channel.as_int();
                        match message {
                            MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => open.push((ch, key.as_int(), tick)),
                            MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                                if let Some(i) = open.iter().position(|&(c, k, _)| c == ch && k == key.as_int()) {
                                    let (_, key, start) = open.remove(i);
                                    track.notes.push(MidiNote { start, end: tick, key });
                                }
                            }
                            _ => {}
                        }
                    }
                    TrackEventKind::Meta(MetaMessage::TrackName(name)) => {
                        track.name = String::from_utf8_lossy(name).trim().to_string();
                    }
                    TrackEventKind::Meta(MetaMessage::Tempo(t)) => tempos.push((tick, t.as_int().max(1))),
                    TrackEventKind::Meta(MetaMessage::TimeSignature(num, den_pow, _, _))
                        if file.meter.is_none() && num > 0 && den_pow <= 6 =>
                    {
                        file.meter = Some(Meter { numerator: num, denominator: 1 << den_pow });
                    }
                    TrackEventKind::Meta(MetaMessage::KeySignature(sharps, minor)) if file.key.is_none() => {
                        file.key = Some(key_from_signature(sharps, minor));
                    }
                    _ => {}
                }
            }
            // Notes still sounding at the end of the track end there.
            track.notes.extend(open.into_iter().map(|(_, key, start)| MidiNote { start, end: tick, key }));
            track.notes.sort_by_key(|n| (n.start, n.key));
            file.tracks.push(track);
        }
        tempos.sort_by_key(|&(t, _)| t);
        if tempos.first().is_none_or(|&(t, _)| t > 0) {
            tempos.insert(0, (0, DEFAULT_TEMPO));
        }
        file.tempo_map = tempos;
        Ok(file)
    }

    /// Ticks → quarter-note beats.
    pub fn beats(&self, tick: u64) -> f64 {
        tick as f64 / f64::from(self.ticks_per_beat)
    }

    /// The tempo at the start, in beats per minute.
    pub fn initial_tempo(&self) -> f64 {
        let micros = self.tempo_map.first().map_or(DEFAULT_TEMPO, |&(_, t)| t);
        60_000_000.0 / f64::from(micros)
    }

    /// Ticks → seconds through the tempo map.
    pub fn seconds(&self, tick: u64) -> f64 {
        let mut seconds = 0.0;
        for (i, &(start, tempo)) in self.tempo_map.iter().enumerate() {
            if start >= tick {
                break;
            }
            let end = self.tempo_map.get(i + 1).map_or(tick, |&(next, _)| next.min(tick));
            seconds += (end - start) as f64 * f64::from(tempo) / 1e6 / f64::from(self.ticks_per_beat);
        }
        seconds
    }

    /// The first track with this name (case-insensitive).
    pub fn track(&self, name: &str) -> Option<&MidiTrack> {
        self.tracks.iter().find(|t| t.name.eq_ignore_ascii_case(name))
    }
}

/// A key signature (sharps > 0, flats < 0) as a key.
fn key_from_signature(sharps: i8, minor: bool) -> Key {
    let major_tonic = PitchClass::new(7 * i32::from(sharps));
    if minor {
        Key { tonic: major_tonic.transposed(9), mode: Mode::Minor }
    } else {
        Key { tonic: major_tonic, mode: Mode::Major }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_is_a_clear_midi_error() {
        let err = MidiFile::parse(b"not a midi file").unwrap_err();
        assert!(err.to_string().starts_with("malformed MIDI"), "{err}");
    }

    #[test]
    fn key_signatures_name_their_tonic() {
        assert_eq!(key_from_signature(1, false), Key { tonic: PitchClass::new(7), mode: Mode::Major });
        assert_eq!(key_from_signature(-3, true), Key { tonic: PitchClass::new(0), mode: Mode::Minor });
    }
}
