//! The jam as a MIDI file: a tempo track, the melody, and the chords with their names as
//! marker events (DAWs show them on the timeline).

use super::chart::ChordChange;
use comper_host::{MelodyNote, NoteKind, Performance, Played};
use midly::num::{u4, u7, u15, u24, u28};
use midly::{Format, Header, MetaMessage, MidiMessage, Smf, Timing, TrackEvent, TrackEventKind};
use std::path::Path;

const TICKS_PER_BEAT: u16 = 480;
const MELODY_CHANNEL: u8 = 0;
const CHORD_CHANNEL: u8 = 1;

/// An event at an absolute tick, before deltas are taken.
type At<'a> = (u64, TrackEventKind<'a>);

pub fn write(
    path: &Path,
    melody: &[MelodyNote],
    played: &[Played],
    changes: &[ChordChange],
    performance: &Performance,
) -> anyhow::Result<()> {
    let tick = |beats: f64| (beats * f64::from(TICKS_PER_BEAT)).round().max(0.0) as u64;
    let note = |channel: u8, key: u8, on: bool, velocity: f32| TrackEventKind::Midi {
        channel: u4::new(channel),
        message: if on {
            MidiMessage::NoteOn {
                key: u7::new(key.min(127)),
                vel: u7::new(((velocity * 127.0).round() as u8).clamp(1, 127)),
            }
        } else {
            MidiMessage::NoteOff { key: u7::new(key.min(127)), vel: u7::new(0) }
        },
    };
    let micros = (60_000_000.0 / performance.tempo).round() as u32;
    let (numerator, denominator) = performance.time_signature;
    let tempo_track: Vec<At> = vec![
        (0, TrackEventKind::Meta(MetaMessage::TrackName(b"Comper jam"))),
        (0, TrackEventKind::Meta(MetaMessage::Tempo(u24::new(micros)))),
        (
            0,
            TrackEventKind::Meta(MetaMessage::TimeSignature(
                numerator as u8,
                denominator.trailing_zeros() as u8,
                24,
                8,
            )),
        ),
    ];
    let mut melody_track: Vec<At> = vec![(0, TrackEventKind::Meta(MetaMessage::TrackName(b"Melody")))];
    for n in melody {
        melody_track.push((tick(n.start), note(MELODY_CHANNEL, n.key, true, n.velocity)));
        melody_track.push((tick(n.end), note(MELODY_CHANNEL, n.key, false, 0.0)));
    }
    let names: Vec<String> = changes.iter().map(|c| c.chord.map_or("N.C.".to_string(), |c| c.to_string())).collect();
    let mut chord_track: Vec<At> = vec![(0, TrackEventKind::Meta(MetaMessage::TrackName(b"Chords")))];
    for (change, name) in changes.iter().zip(&names) {
        chord_track.push((tick(change.beats), TrackEventKind::Meta(MetaMessage::Marker(name.as_bytes()))));
    }
    for p in played {
        let on = p.event.kind == NoteKind::On;
        chord_track
            .push((tick(performance.beats_of(p.sample)), note(CHORD_CHANNEL, p.event.key, on, p.event.velocity)));
    }
    let header = Header::new(Format::Parallel, Timing::Metrical(u15::new(TICKS_PER_BEAT)));
    let mut smf = Smf::new(header);
    smf.tracks = [tempo_track, melody_track, chord_track].into_iter().map(with_deltas).collect();
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    smf.save(path)?;
    Ok(())
}

/// Sort by time (stable, so a chord's offs stay before its ons) and take deltas.
fn with_deltas(mut events: Vec<At>) -> Vec<TrackEvent> {
    events.sort_by_key(|(t, _)| *t);
    let mut last = 0;
    let mut track: Vec<TrackEvent> = events
        .into_iter()
        .map(|(t, kind)| {
            let delta = u28::new((t - last) as u32);
            last = t;
            TrackEvent { delta, kind }
        })
        .collect();
    track.push(TrackEvent { delta: u28::new(0), kind: TrackEventKind::Meta(MetaMessage::EndOfTrack) });
    track
}
