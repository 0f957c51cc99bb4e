//! The jam as a MIDI file, in the take layout the plugin's capture writes too.

use super::chart::{ChordChange, spelling_at};
use comper_host::{MelodyNote, NoteKind, Performance, Played};
use comper_music::Meter;
use comper_music::take::{NO_CHORD, Take, TakeEvent};
use std::path::Path;

pub fn write(
    path: &Path,
    melody: &[MelodyNote],
    played: &[Played],
    changes: &[ChordChange],
    performance: &Performance,
) -> anyhow::Result<()> {
    let (numerator, denominator) = performance.time_signature;
    let meter = Meter::from_host(i32::from(numerator), i32::from(denominator)).unwrap_or_default();
    let take = Take {
        tempo: performance.tempo,
        meters: vec![(0.0, meter)],
        melody: melody
            .iter()
            .flat_map(|n| {
                [
                    TakeEvent {
                        beats: n.start,
                        channel: performance.channel,
                        key: n.key,
                        on: true,
                        velocity: n.velocity,
                    },
                    TakeEvent { beats: n.end, channel: performance.channel, key: n.key, on: false, velocity: 0.0 },
                ]
            })
            .collect(),
        chords: played
            .iter()
            .map(|p| TakeEvent {
                beats: performance.beats_of(p.sample),
                channel: p.event.channel,
                key: p.event.key,
                on: p.event.kind == NoteKind::On,
                velocity: p.event.velocity,
            })
            .collect(),
        markers: changes
            .iter()
            .map(|c| {
                let spelling = spelling_at(melody, c.beats, performance.beats_per_bar());
                (c.beats, c.chord.map_or(NO_CHORD.to_string(), |c| spelling.chord(c)))
            })
            .collect(),
        programs: None,
    };
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(path, take.to_midi_bytes()?)?;
    Ok(())
}
