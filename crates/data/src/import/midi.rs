//! Standard MIDI files as the importers need them: notes per track with tick times, the
//! tempo map (for sources annotated in seconds), and the first meter and key.

use super::ImportError;
use comper_music::{Key, LONGEST_SONG_BEATS, Meter, Mode, PitchClass};
use midly::{MetaMessage, MidiMessage, Smf, Timing, TrackEventKind};
use std::collections::VecDeque;
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

/// The largest MIDI file read (the largest in POP909 is under 100 KB).
const MIDI_BYTES: u64 = 64 << 20;
/// MIDI's default tempo, 120 BPM, in microseconds per quarter note.
const DEFAULT_TEMPO: u32 = 500_000;

impl MidiFile {
    pub fn read(path: &Path) -> Result<MidiFile, ImportError> {
        Self::parse(&comper_files::read_limited(path, MIDI_BYTES)?)
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
            // Start ticks of the sounding notes per channel and key, first in first out so
            // repeated keys pair in order (and a file of a million notes pairs in linear time).
            let mut open: Vec<VecDeque<u64>> = vec![VecDeque::new(); 16 * 128];
            let mut tick = 0u64;
            for event in events {
                tick += u64::from(event.delta.as_int());
                match event.kind {
                    TrackEventKind::Midi { channel, message } => {
                        let slot =
                            |key: midly::num::u7| usize::from(channel.as_int()) * 128 + usize::from(key.as_int());
                        match message {
                            MidiMessage::NoteOn { key, vel } if vel.as_int() > 0 => open[slot(key)].push_back(tick),
                            MidiMessage::NoteOn { key, .. } | MidiMessage::NoteOff { key, .. } => {
                                if let Some(start) = open[slot(key)].pop_front() {
                                    track.notes.push(MidiNote { start, end: tick, key: key.as_int() });
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
            for (slot, starts) in open.into_iter().enumerate() {
                let key = (slot % 128) as u8;
                track.notes.extend(starts.into_iter().map(|start| MidiNote { start, end: tick, key }));
            }
            track.notes.sort_by_key(|n| (n.start, n.key));
            file.tracks.push(track);
        }
        let last = file.tracks.iter().flat_map(|t| t.notes.iter().map(|n| n.end)).max().unwrap_or(0);
        if file.beats(last) > LONGEST_SONG_BEATS {
            let beats = file.beats(last);
            return Err(ImportError::Unsupported(format!(
                "{beats:.0} beats long (Comper reads up to {LONGEST_SONG_BEATS})"
            )));
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

    /// A one-track file of `events` (delta ticks, key, note on) at `ticks_per_beat`.
    fn midi_bytes(ticks_per_beat: u16, events: impl IntoIterator<Item = (u32, u8, bool)>) -> Vec<u8> {
        use midly::num::{u4, u7, u15, u28};
        use midly::{Format, Header, TrackEvent};
        let mut track: Vec<TrackEvent> = events
            .into_iter()
            .map(|(delta, key, on)| {
                let (key, vel) = (u7::new(key), u7::new(if on { 100 } else { 0 }));
                let message = if on { MidiMessage::NoteOn { key, vel } } else { MidiMessage::NoteOff { key, vel } };
                TrackEvent { delta: u28::new(delta), kind: TrackEventKind::Midi { channel: u4::new(0), message } }
            })
            .collect();
        track.push(TrackEvent { delta: u28::new(0), kind: TrackEventKind::Meta(MetaMessage::EndOfTrack) });
        let smf = Smf {
            header: Header::new(Format::SingleTrack, Timing::Metrical(u15::new(ticks_per_beat))),
            tracks: vec![track],
        };
        let mut bytes = Vec::new();
        smf.write_std(&mut bytes).unwrap();
        bytes
    }

    #[test]
    fn a_file_that_claims_years_is_refused() {
        // One tick per beat and the longest deltas MIDI allows: 268 million beats per event.
        let bytes =
            midi_bytes(1, [(0, 60, true), (0x0FFF_FFFF, 60, false), (0x0FFF_FFFF, 62, true), (0x0FFF_FFFF, 62, false)]);
        assert!(bytes.len() < 100);
        let err = MidiFile::parse(&bytes).unwrap_err();
        assert!(err.to_string().contains("beats long"), "{err}");
    }

    #[test]
    fn repeated_keys_pair_first_in_first_out_at_any_count() {
        // 200,000 sounding C4s, then as many note-offs: a scan per note-off would take
        // 2·10¹⁰ steps; the queue per key takes one each.
        let notes = 200_000u32;
        let ons = (0..notes).map(|_| (1, 60, true));
        let offs = (0..notes).map(|_| (1, 60, false));
        let file = MidiFile::parse(&midi_bytes(480, ons.chain(offs))).unwrap();
        let played = &file.tracks[0].notes;
        assert_eq!(played.len(), notes as usize);
        assert_eq!((played[0].start, played[0].end), (1, u64::from(notes) + 1));
        let last = played[notes as usize - 1];
        assert_eq!((last.start, last.end), (u64::from(notes), 2 * u64::from(notes)));
    }

    #[test]
    fn key_signatures_name_their_tonic() {
        assert_eq!(key_from_signature(1, false), Key { tonic: PitchClass::new(7), mode: Mode::Major });
        assert_eq!(key_from_signature(-3, true), Key { tonic: PitchClass::new(0), mode: Mode::Minor });
    }
}
