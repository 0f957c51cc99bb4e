//! Conversions between this crate's block description and VST3 events and process context.

use crate::{MidiMessage, NoteEvent, NoteKind, TransportInfo};
use vst3::Steinberg::Vst::ControllerNumbers_::{kAfterTouch, kCtrlProgramChange, kPitchBend};
use vst3::Steinberg::Vst::Event_::EventTypes_::{
    kLegacyMIDICCOutEvent, kNoteOffEvent, kNoteOnEvent, kPolyPressureEvent,
};
use vst3::Steinberg::Vst::ProcessContext_::StatesAndFlags_::{
    kBarPositionValid, kCycleActive, kCycleValid, kPlaying, kProjectTimeMusicValid, kTempoValid, kTimeSigValid,
};
use vst3::Steinberg::Vst::{
    CtrlNumber, Event, Event__type0, NoteOffEvent, NoteOnEvent, ParamValue, PolyPressureEvent, ProcessContext,
};

const NOTE_ON: u16 = kNoteOnEvent as u16;
const NOTE_OFF: u16 = kNoteOffEvent as u16;
const POLY_PRESSURE: u16 = kPolyPressureEvent as u16;
const MIDI_CC_OUT: u16 = kLegacyMIDICCOutEvent as u16;

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

/// How a MIDI message reaches a VST3 plugin, which has no raw MIDI input.
#[derive(Clone, Copy)]
pub(super) enum MidiInput {
    /// As an event (poly pressure).
    Event(Event),
    /// As a change of the parameter the plugin's `IMidiMapping` assigns to `controller` on
    /// `channel` (a controller, pitch bend or channel pressure), at `offset`.
    Mapped { channel: i16, controller: CtrlNumber, offset: i32, value: ParamValue },
    /// Not at all: VST3 carries no program change to a plugin without a program list.
    Unsupported,
}

/// How `message` goes in: pressure and controller values normalized by 127, a bend's 14 bits
/// by 16,383 (0.5 is centred).
pub(super) fn midi_input(message: &MidiMessage, transport: Option<&TransportInfo>, sample_rate: f64) -> MidiInput {
    let [_, first, second] = message.data;
    let channel = i16::from(message.channel());
    // Offsets were validated to be below the block length, which fits in an `i32`.
    let offset = message.offset as i32;
    let mapped = |controller, value| MidiInput::Mapped { channel, controller, offset, value };
    match message.kind() {
        0xA0 => MidiInput::Event(Event {
            busIndex: 0,
            sampleOffset: offset,
            ppqPosition: transport.map_or(0.0, |t| t.beats_at_offset(message.offset, sample_rate)),
            flags: 0,
            r#type: POLY_PRESSURE,
            __field0: Event__type0 {
                polyPressure: PolyPressureEvent {
                    channel,
                    pitch: i16::from(first),
                    pressure: f32::from(second) / 127.0,
                    noteId: -1,
                },
            },
        }),
        0xB0 => mapped(CtrlNumber::from(first), f64::from(second) / 127.0),
        0xD0 => mapped(kAfterTouch as CtrlNumber, f64::from(first) / 127.0),
        0xE0 => mapped(kPitchBend as CtrlNumber, f64::from(u16::from(first) | u16::from(second) << 7) / 16_383.0),
        _ => MidiInput::Unsupported,
    }
}

/// Reads a controller, bend, pressure or program change from a plugin's output event (VST3's
/// `LegacyMIDICCOutEvent` and poly pressure) as the MIDI bytes a DAW records. Other events
/// yield `None`.
pub(super) fn output_midi(event: &Event) -> Option<MidiMessage> {
    let data = match event.r#type {
        // SAFETY: the union member read matches the event type.
        POLY_PRESSURE => unsafe {
            let pressure = event.__field0.polyPressure;
            let value = (pressure.pressure.clamp(0.0, 1.0) * 127.0).round() as u8;
            [0xA0 | u8::try_from(pressure.channel).ok()?, u8::try_from(pressure.pitch).ok()?, value]
        },
        // SAFETY: as above.
        MIDI_CC_OUT => unsafe { cc_out_bytes(event.__field0.midiCCOut)? },
        _ => return None,
    };
    let message = MidiMessage { offset: u32::try_from(event.sampleOffset).ok()?, data };
    message.is_valid().then_some(message)
}

/// A `LegacyMIDICCOutEvent` as MIDI bytes: controllers 0..=127, channel pressure, pitch bend
/// (`value` the low 7 bits, `value2` the high) and program change.
fn cc_out_bytes(event: vst3::Steinberg::Vst::LegacyMIDICCOutEvent) -> Option<[u8; 3]> {
    let channel = u8::try_from(event.channel).ok().filter(|c| *c <= 15)?;
    let (value, value2) = (u8::try_from(event.value).ok()?, u8::try_from(event.value2).ok()?);
    let control = i32::from(event.controlNumber);
    Some(match control {
        0..=127 => [0xB0 | channel, event.controlNumber, value],
        _ if control == kAfterTouch as i32 => [0xD0 | channel, value, 0],
        _ if control == kPitchBend as i32 => [0xE0 | channel, value, value2],
        _ if control == kCtrlProgramChange as i32 => [0xC0 | channel, value, 0],
        _ => return None,
    })
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
    // The flags are `DefaultEnumType`: u32 here, i32 on Windows.
    #[allow(clippy::unnecessary_cast)]
    let state = state as u32;
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

    /// A `LegacyMIDICCOutEvent` at offset 9, as nice-plug's VST3 context writes one.
    fn cc_out(control: u8, channel: i8, value: i8, value2: i8) -> Event {
        Event {
            busIndex: 0,
            sampleOffset: 9,
            ppqPosition: 0.0,
            flags: 0,
            r#type: MIDI_CC_OUT,
            __field0: Event__type0 {
                midiCCOut: vst3::Steinberg::Vst::LegacyMIDICCOutEvent {
                    controlNumber: control,
                    channel,
                    value,
                    value2,
                },
            },
        }
    }

    #[test]
    fn controllers_bends_and_pressure_go_in_as_a_daw_sends_them() {
        let input = |data| midi_input(&MidiMessage { offset: 4, data }, None, 48_000.0);
        let mapped = |data| match input(data) {
            MidiInput::Mapped { channel, controller, offset, value } => Some((channel, controller, offset, value)),
            _ => None,
        };
        assert_eq!(mapped([0xB2, 64, 127]), Some((2, 64, 4, 1.0)));
        assert_eq!(mapped([0xD2, 0, 0]), Some((2, kAfterTouch as CtrlNumber, 4, 0.0)));
        assert_eq!(mapped([0xE2, 0x7F, 0x7F]), Some((2, kPitchBend as CtrlNumber, 4, 1.0)));
        assert!(matches!(input([0xC2, 5, 0]), MidiInput::Unsupported));
        let MidiInput::Event(pressure) = input([0xA2, 61, 127]) else { panic!("poly pressure is an event") };
        assert_eq!(output_midi(&pressure), Some(MidiMessage { offset: 4, data: [0xA2, 61, 127] }));
    }

    #[test]
    fn legacy_cc_out_events_read_as_midi() {
        let read = |event: Event| output_midi(&event).map(|m| m.data);
        assert_eq!(read(cc_out(64, 3, 127, 0)), Some([0xB3, 64, 127]));
        assert_eq!(read(cc_out(kAfterTouch as u8, 3, 90, 0)), Some([0xD3, 90, 0]));
        assert_eq!(read(cc_out(kPitchBend as u8, 3, 0x11, 0x50)), Some([0xE3, 0x11, 0x50]));
        assert_eq!(read(cc_out(kCtrlProgramChange as u8, 3, 5, 0)), Some([0xC3, 5, 0]));
        assert_eq!(read(cc_out(64, -1, 127, 0)), None, "no channel");
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
