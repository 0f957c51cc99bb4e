//! Conversions between this crate's block description and CLAP events.

use crate::{MidiMessage, NoteEvent, NoteKind, TransportInfo};
use clack_host::events::event_types::{
    MidiEvent, NoteExpressionEvent, NoteExpressionType, NoteOffEvent, NoteOnEvent, TransportEvent, TransportFlags,
};
use clack_host::events::spaces::CoreEventSpace;
use clack_host::events::{Event, EventFlags, EventHeader, Match, Pckn, UnknownEvent};
use clack_host::prelude::EventBuffer;
use clack_host::utils::{BeatTime, SecondsTime};

/// Appends `note` as a CLAP note event on note port 0, addressed by channel and key (no note id).
pub(super) fn push_note(buffer: &mut EventBuffer, note: &NoteEvent) {
    let pckn = Pckn::new(0u16, u16::from(note.channel), u16::from(note.key), Match::All);
    let velocity = f64::from(note.velocity);
    match note.kind {
        NoteKind::On => buffer.push(&NoteOnEvent::new(note.offset, pckn, velocity)),
        NoteKind::Off => buffer.push(&NoteOffEvent::new(note.offset, pckn, velocity)),
    }
}

/// Appends `message` as a CLAP MIDI event on note port 0.
pub(super) fn push_midi(buffer: &mut EventBuffer, message: &MidiMessage) {
    buffer.push(&MidiEvent::new(message.offset, 0, message.data));
}

/// The CLAP transport for a block; bars and seconds are derived so the plugin sees a consistent
/// timeline whichever fields it reads.
pub(super) fn transport_event(transport: &TransportInfo) -> TransportEvent {
    let mut flags = TransportFlags::HAS_TEMPO
        | TransportFlags::HAS_BEATS_TIMELINE
        | TransportFlags::HAS_SECONDS_TIMELINE
        | TransportFlags::HAS_TIME_SIGNATURE;
    if transport.playing {
        flags |= TransportFlags::IS_PLAYING;
    }
    if transport.loop_beats.is_some() {
        flags |= TransportFlags::IS_LOOP_ACTIVE;
    }
    let (loop_start, loop_end) = transport.loop_beats.unwrap_or((0.0, 0.0));
    TransportEvent {
        header: EventHeader::new_core(0, EventFlags::empty()),
        flags,
        song_pos_beats: BeatTime::from_float(transport.position_beats),
        song_pos_seconds: SecondsTime::from_float(transport.seconds_at(transport.position_beats)),
        tempo: transport.tempo,
        tempo_inc: 0.0,
        loop_start_beats: BeatTime::from_float(loop_start),
        loop_end_beats: BeatTime::from_float(loop_end),
        loop_start_seconds: SecondsTime::from_float(transport.seconds_at(loop_start)),
        loop_end_seconds: SecondsTime::from_float(transport.seconds_at(loop_end)),
        bar_start: BeatTime::from_float(transport.bar_start_beats()),
        bar_number: transport.bar_number(),
        time_signature_numerator: transport.time_signature.0,
        time_signature_denominator: transport.time_signature.1,
    }
}

/// Reads a note on/off from a plugin's output event, whether it used CLAP note events or raw
/// MIDI. Other events, and notes addressed to a wildcard key or channel (which [`NoteEvent`]
/// cannot express), yield `None`.
pub(super) fn note_from_output(event: &UnknownEvent) -> Option<NoteEvent> {
    match event.as_core_event()? {
        CoreEventSpace::NoteOn(e) => note(e.header().time(), NoteKind::On, e.channel(), e.key(), e.velocity()),
        CoreEventSpace::NoteOff(e) => note(e.header().time(), NoteKind::Off, e.channel(), e.key(), e.velocity()),
        CoreEventSpace::Midi(e) => note_from_midi(e.header().time(), e.data()),
        _ => None,
    }
}

/// Reads a controller, bend, pressure or program change from a plugin's output event: raw MIDI
/// that is not a note, or a note's pressure expression, which nice-plug sends for poly pressure
/// (read back as the MIDI poly pressure a DAW records). Anything else yields `None`.
pub(super) fn midi_from_output(event: &UnknownEvent) -> Option<MidiMessage> {
    match event.as_core_event()? {
        CoreEventSpace::Midi(e) => {
            let message = MidiMessage { offset: e.header().time(), data: e.data() };
            message.is_valid().then_some(message)
        }
        CoreEventSpace::NoteExpression(e) => poly_pressure(e),
        _ => None,
    }
}

/// A pressure expression on one key and channel as MIDI poly pressure.
fn poly_pressure(event: &NoteExpressionEvent) -> Option<MidiMessage> {
    if event.expression_type()? != NoteExpressionType::Pressure {
        return None;
    }
    let (channel, key) = channel_and_key(event.channel(), event.key())?;
    let pressure = (event.value().clamp(0.0, 1.0) * 127.0).round() as u8;
    Some(MidiMessage { offset: event.header().time(), data: [0xA0 | channel, key, pressure] })
}

fn note(offset: u32, kind: NoteKind, channel: Match<u16>, key: Match<u16>, velocity: f64) -> Option<NoteEvent> {
    let (channel, key) = channel_and_key(channel, key)?;
    Some(NoteEvent { offset, kind, channel, key, velocity: velocity as f32 })
}

/// A specific MIDI channel and key; `None` for a wildcard or one out of range.
fn channel_and_key(channel: Match<u16>, key: Match<u16>) -> Option<(u8, u8)> {
    let channel = u8::try_from(channel.into_specific()?).ok().filter(|c| *c <= 15)?;
    let key = u8::try_from(key.into_specific()?).ok().filter(|k| *k <= 127)?;
    Some((channel, key))
}

/// Decodes MIDI 1.0 note on (0x9n) and note off (0x8n); a note on with velocity 0 is a note off.
fn note_from_midi(offset: u32, [status, key, velocity]: [u8; 3]) -> Option<NoteEvent> {
    let kind = match status & 0xF0 {
        0x90 if velocity > 0 => NoteKind::On,
        0x80 | 0x90 => NoteKind::Off,
        _ => return None,
    };
    Some(NoteEvent {
        offset,
        kind,
        channel: status & 0x0F,
        key: key & 0x7F,
        velocity: f32::from(velocity & 0x7F) / 127.0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clack_host::events::event_types::MidiEvent;

    fn transport() -> TransportInfo {
        TransportInfo {
            playing: true,
            tempo: 120.0,
            position_beats: 5.5,
            time_signature: (3, 4),
            loop_beats: Some((4.0, 8.0)),
        }
    }

    #[test]
    fn notes_survive_an_event_buffer() {
        let mut buffer = EventBuffer::new();
        let on = NoteEvent { offset: 7, kind: NoteKind::On, channel: 2, key: 64, velocity: 0.5 };
        let off = NoteEvent { kind: NoteKind::Off, offset: 9, ..on };
        push_note(&mut buffer, &on);
        push_note(&mut buffer, &off);
        let read: Vec<NoteEvent> = buffer.iter().filter_map(note_from_output).collect();
        assert_eq!(read, vec![on, off]);
    }

    #[test]
    fn midi_notes_are_decoded() {
        let read = |data| note_from_output(MidiEvent::new(3, 0, data).as_unknown());
        let on = read([0x93, 60, 127]).unwrap();
        assert_eq!((on.offset, on.kind, on.channel, on.key), (3, NoteKind::On, 3, 60));
        assert_eq!(on.velocity, 1.0);
        assert_eq!(read([0x80, 61, 0]).unwrap().kind, NoteKind::Off);
        assert_eq!(read([0x90, 62, 0]).unwrap().kind, NoteKind::Off);
        assert_eq!(read([0xB0, 1, 64]), None);
    }

    #[test]
    fn controllers_bends_and_pressure_survive_an_event_buffer() {
        let messages = [[0xB2, 64, 127], [0xE2, 0x11, 0x50], [0xD2, 90, 0], [0xC2, 5, 0], [0xA2, 60, 33]]
            .map(|data| MidiMessage { offset: 11, data });
        let mut buffer = EventBuffer::new();
        for message in &messages {
            push_midi(&mut buffer, message);
        }
        let read: Vec<MidiMessage> = buffer.iter().filter_map(midi_from_output).collect();
        assert_eq!(read, messages);
        assert_eq!(midi_from_output(MidiEvent::new(0, 0, [0x90, 60, 100]).as_unknown()), None, "notes are notes");
    }

    #[test]
    fn a_pressure_expression_reads_as_poly_pressure() {
        let pckn = Pckn::new(0u16, 3u16, 61u16, Match::All);
        let read = |kind| midi_from_output(NoteExpressionEvent::new(5, pckn, kind, 0.5).as_unknown());
        assert_eq!(read(NoteExpressionType::Pressure), Some(MidiMessage { offset: 5, data: [0xA3, 61, 64] }));
        assert_eq!(read(NoteExpressionType::Tuning), None);
    }

    #[test]
    fn transport_event_carries_the_whole_timeline() {
        let event = transport_event(&transport());
        assert!(event.flags.contains(
            TransportFlags::HAS_TEMPO
                | TransportFlags::HAS_BEATS_TIMELINE
                | TransportFlags::HAS_SECONDS_TIMELINE
                | TransportFlags::HAS_TIME_SIGNATURE
                | TransportFlags::IS_PLAYING
                | TransportFlags::IS_LOOP_ACTIVE
        ));
        assert_eq!(event.song_pos_beats.to_float(), 5.5);
        assert_eq!(event.song_pos_seconds.to_float(), 2.75);
        assert_eq!(event.bar_start.to_float(), 3.0);
        assert_eq!(event.bar_number, 1);
        assert_eq!(event.loop_start_beats.to_float(), 4.0);
        assert_eq!(event.loop_end_seconds.to_float(), 4.0);
        assert_eq!((event.time_signature_numerator, event.time_signature_denominator), (3, 4));
    }

    #[test]
    fn stopped_transport_without_loop_sets_no_play_or_loop_flags() {
        let mut stopped = transport();
        stopped.playing = false;
        stopped.loop_beats = None;
        let event = transport_event(&stopped);
        assert!(!event.flags.contains(TransportFlags::IS_PLAYING));
        assert!(!event.flags.contains(TransportFlags::IS_LOOP_ACTIVE));
    }
}
