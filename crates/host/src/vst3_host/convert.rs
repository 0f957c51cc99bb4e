//! Conversions between this crate's block description and VST3 events and process context.

use crate::{NoteEvent, NoteKind, TransportInfo};
use vst3::Steinberg::Vst::Event_::EventTypes_::{kNoteOffEvent, kNoteOnEvent};
use vst3::Steinberg::Vst::ProcessContext_::StatesAndFlags_::{
    kBarPositionValid, kCycleActive, kCycleValid, kPlaying, kProjectTimeMusicValid, kTempoValid, kTimeSigValid,
};
use vst3::Steinberg::Vst::{Event, Event__type0, NoteOffEvent, NoteOnEvent, ProcessContext};

const NOTE_ON: u16 = kNoteOnEvent as u16;
const NOTE_OFF: u16 = kNoteOffEvent as u16;

/// The VST3 event for an input note on event bus 0, without a note id (-1) so the plugin
/// matches note offs by channel and pitch. With a transport, `ppqPosition` is filled in too.
pub(super) fn input_event(note: &NoteEvent, transport: Option<&TransportInfo>, sample_rate: f64) -> Event {
    let channel = i16::from(note.channel);
    let pitch = i16::from(note.key);
    let (kind, payload) = match note.kind {
        NoteKind::On => (
            NOTE_ON,
            Event__type0 {
                noteOn: NoteOnEvent { channel, pitch, tuning: 0.0, velocity: note.velocity, length: 0, noteId: -1 },
            },
        ),
        NoteKind::Off => (
            NOTE_OFF,
            Event__type0 { noteOff: NoteOffEvent { channel, pitch, velocity: note.velocity, noteId: -1, tuning: 0.0 } },
        ),
    };
    Event {
        busIndex: 0,
        // Offsets were validated to be below the block length, which fits in an `i32`.
        sampleOffset: note.offset as i32,
        ppqPosition: transport.map_or(0.0, |t| t.beats_at_offset(note.offset, sample_rate)),
        flags: 0,
        r#type: kind,
        __field0: payload,
    }
}

/// Reads a note on/off from a plugin's output event. Other event types, and notes with a
/// negative offset or a wildcard (-1) channel or pitch, yield `None`.
pub(super) fn output_note(event: &Event) -> Option<NoteEvent> {
    // SAFETY: the union member read matches the event type checked in each arm.
    let (kind, channel, pitch, velocity) = match event.r#type {
        NOTE_ON => unsafe {
            let on = event.__field0.noteOn;
            (NoteKind::On, on.channel, on.pitch, on.velocity)
        },
        NOTE_OFF => unsafe {
            let off = event.__field0.noteOff;
            (NoteKind::Off, off.channel, off.pitch, off.velocity)
        },
        _ => return None,
    };
    Some(NoteEvent {
        offset: u32::try_from(event.sampleOffset).ok()?,
        kind,
        channel: u8::try_from(channel).ok().filter(|c| *c <= 15)?,
        key: u8::try_from(pitch).ok().filter(|k| *k <= 127)?,
        velocity,
    })
}

/// The VST3 process context for a block: musical position, tempo, time signature, bar start
/// and loop, all valid.
pub(super) fn process_context(transport: &TransportInfo, sample_rate: f64) -> ProcessContext {
    let mut state = kTempoValid | kProjectTimeMusicValid | kTimeSigValid | kBarPositionValid;
    if transport.playing {
        state |= kPlaying;
    }
    // SAFETY: `ProcessContext` is plain numbers (and structs of numbers); all-zero is valid.
    let mut context: ProcessContext = unsafe { std::mem::zeroed() };
    if let Some((start, end)) = transport.loop_beats {
        state |= kCycleActive | kCycleValid;
        context.cycleStartMusic = start;
        context.cycleEndMusic = end;
    }
    context.state = state;
    context.sampleRate = sample_rate;
    context.projectTimeSamples = transport.position_samples(sample_rate);
    context.projectTimeMusic = transport.position_beats;
    context.barPositionMusic = transport.bar_start_beats();
    context.tempo = transport.tempo;
    context.timeSigNumerator = i32::from(transport.time_signature.0);
    context.timeSigDenominator = i32::from(transport.time_signature.1);
    context
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transport() -> TransportInfo {
        TransportInfo { playing: true, tempo: 120.0, position_beats: 6.0, time_signature: (4, 4), loop_beats: None }
    }

    #[test]
    fn notes_round_trip_through_vst3_events() {
        for kind in [NoteKind::On, NoteKind::Off] {
            let note = NoteEvent { offset: 17, kind, channel: 9, key: 36, velocity: 0.25 };
            let event = input_event(&note, Some(&transport()), 48_000.0);
            assert_eq!(output_note(&event), Some(note));
        }
    }

    #[test]
    fn ppq_position_follows_the_offset() {
        let note = NoteEvent { offset: 24_000, kind: NoteKind::On, channel: 0, key: 60, velocity: 1.0 };
        assert_eq!(input_event(&note, Some(&transport()), 48_000.0).ppqPosition, 7.0);
        assert_eq!(input_event(&note, None, 48_000.0).ppqPosition, 0.0);
    }

    #[test]
    fn wildcard_output_notes_are_skipped() {
        let note = NoteEvent { offset: 0, kind: NoteKind::Off, channel: 0, key: 60, velocity: 0.0 };
        let mut event = input_event(&note, None, 48_000.0);
        event.__field0.noteOff.channel = -1;
        assert_eq!(output_note(&event), None);
    }

    #[test]
    fn process_context_marks_what_it_carries() {
        let mut looping = transport();
        looping.position_beats = 5.0;
        looping.loop_beats = Some((4.0, 12.0));
        let context = process_context(&looping, 48_000.0);
        let flags = |f: u32| context.state & f == f;
        assert!(flags(kPlaying | kTempoValid | kProjectTimeMusicValid | kTimeSigValid | kBarPositionValid));
        assert!(flags(kCycleActive | kCycleValid));
        assert_eq!(context.projectTimeMusic, 5.0);
        assert_eq!(context.projectTimeSamples, 120_000);
        assert_eq!(context.barPositionMusic, 4.0);
        assert_eq!((context.cycleStartMusic, context.cycleEndMusic), (4.0, 12.0));
        assert_eq!((context.timeSigNumerator, context.timeSigDenominator), (4, 4));

        let mut stopped = transport();
        stopped.playing = false;
        let context = process_context(&stopped, 48_000.0);
        assert_eq!(context.state & (kPlaying | kCycleActive), 0);
    }
}
