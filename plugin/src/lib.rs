//! Comper: a live accompanist. A note-effect plugin that hears a melody and answers with
//! chords on the beat, planned ahead by an online policy run with ONNX Runtime.
//!
//! This file is the nice-plug wiring only:
//! - [`params`]: parameters and the persisted model choice;
//! - [`realtime`]: the audio thread's scheduler (frames, melody, chords on exact samples);
//! - [`worker`]: the inference thread (model loading, planning);
//! - [`link`]: what those two share (messages, queue ends, the published status and take);
//! - [`resources`]: where the bundled runtime and models are;
//! - [`editor`]: the window; [`capture`]: the take as a MIDI file.

pub mod blind;
pub mod capture;
pub mod editor;
pub mod link;
pub mod params;
pub mod realtime;
pub mod resources;
pub mod worker;

use comper_music::Meter;
use link::{Status, WorkerLink};
use nice_plug::midi::{Channel, Key, VoiceID};
use nice_plug::prelude::*;
use nice_plug_egui::{EguiEditor, EguiEditorState};
use params::ComperParams;
use realtime::{BlockInfo, MelodyThru, NoteSink, Render, RenderPace, Scheduler};
use std::num::NonZeroU32;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;
use worker::Worker;

pub struct Comper {
    params: Arc<ComperParams>,
    editor_state: Arc<EguiEditorState>,
    /// What the worker and the audio thread publish; made here so the window has it before
    /// the first activation.
    status: Arc<Status>,
    scheduler: Scheduler,
    /// The melody forwarded to the instrument after Comper.
    thru: MelodyThru,
    /// Started on the first activation, never in `default()` (hosts create instances to
    /// scan them).
    worker: Option<(Worker, WorkerLink)>,
    sample_rate: f32,
    /// The host said it renders offline (VST3 process mode, CLAP render extension).
    offline: bool,
    /// Tells a render the host did not flag by the clock.
    pace: RenderPace,
}

impl Default for Comper {
    fn default() -> Self {
        Comper {
            params: Arc::new(ComperParams::default()),
            editor_state: editor::default_state(),
            status: Arc::new(Status::default()),
            scheduler: Scheduler::default(),
            thru: MelodyThru::default(),
            worker: None,
            sample_rate: 48_000.0,
            offline: false,
            pace: RenderPace::default(),
        }
    }
}

/// The host's output queue as a [`NoteSink`], with the melody forwarded through it, which
/// chord tones keep clear of.
struct HostNotes<'a, C> {
    context: &'a mut C,
    thru: &'a mut MelodyThru,
    /// The channel the chords sound on (`None` under `Bypass`), which the player's
    /// controllers and bends stay off.
    chords: Option<u8>,
}

impl<C: ProcessContext<Comper>> HostNotes<'_, C> {
    /// Send the melody's note-offs the host refused in the block before.
    fn retry_refused(&mut self) {
        let HostNotes { context, thru, .. } = self;
        thru.retry_refused(|channel, key| send_off(*context, 0, channel, key));
    }

    /// Pass one incoming event on to the instrument after Comper when `on`, at its sample and
    /// on its channel (see [`MelodyThru`]: a note-off whose note-on went out always follows
    /// it). Controllers, bends, pressure and program changes pass only off the chords'
    /// channel, so a sustain pedal or a bend there never holds or bends the chord
    /// ([`MelodyThru::passes`]).
    fn forward(&mut self, event: PluginNoteEvent<Comper>, on: bool) {
        let mut send = || self.context.try_send_event(event).is_ok();
        match event {
            NoteEvent::NoteOn { channel, key, velocity, .. } if velocity > 0.0 => {
                self.thru.note_on(channel.number(), key.number(), on, send)
            }
            NoteEvent::NoteOn { channel, key, .. } | NoteEvent::NoteOff { channel, key, .. } => {
                self.thru.note_off(channel.number(), key.number(), on, send)
            }
            _ if on => {
                let key = match event {
                    NoteEvent::PolyPressure { key, .. } => key.number(),
                    _ => None,
                };
                if self.thru.passes(event.channel().and_then(|c| c.number()), key, self.chords) {
                    send();
                }
            }
            _ => {}
        }
    }
}

impl<C: ProcessContext<Comper>> NoteSink for HostNotes<'_, C> {
    fn note_on(&mut self, timing: u32, channel: u8, key: u8, velocity: f32) -> bool {
        let (voice_id, channel, key) = (VoiceID::Wildcard, Channel::Number(channel), Key::Number(key));
        self.context.try_send_event(NoteEvent::NoteOn { timing, voice_id, channel, key, velocity }).is_ok()
    }

    fn note_off(&mut self, timing: u32, channel: u8, key: u8) -> bool {
        send_off(self.context, timing, channel, key)
    }

    fn melody_sounds(&self, channel: u8, key: u8) -> bool {
        self.thru.sounds(channel, key)
    }
}

fn send_off<C: ProcessContext<Comper>>(context: &mut C, timing: u32, channel: u8, key: u8) -> bool {
    let (voice_id, channel, key) = (VoiceID::Wildcard, Channel::Number(channel), Key::Number(key));
    context.try_send_event(NoteEvent::NoteOff { timing, voice_id, channel, key, velocity: 0.0 }).is_ok()
}

impl Plugin for Comper {
    const NAME: &'static str = "Comper";
    const VENDOR: &'static str = "Comper";
    const URL: &'static str = "https://example.invalid/comper";
    const EMAIL: &'static str = "comper@example.invalid";
    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    /// MIDI only, or a silent stereo pass-through for hosts that refuse MIDI-only plugins.
    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout { main_input_channels: None, main_output_channels: None, ..AudioIOLayout::const_default() },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
    ];
    /// Controllers, pitch bend, pressure and program changes too, to pass them on with the
    /// melody (`HostNotes::forward`).
    const MIDI_INPUT: MidiConfig = MidiConfig::MidiCCs;
    const MIDI_OUTPUT: MidiConfig = MidiConfig::MidiCCs;

    type Editor = EguiEditor<editor::Window>;
    type SysExMessage = ();
    type BackgroundTask = ();

    fn params(&self) -> Arc<dyn Params> {
        self.params.clone()
    }

    fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
        editor::create(self.params.clone(), self.status.clone(), self.editor_state.clone())
    }

    fn activate(
        &mut self,
        _layout: &AudioIOLayout,
        config: &BufferConfig,
        _context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.sample_rate = config.sample_rate;
        self.offline = config.process_mode == ProcessMode::Offline;
        if self.worker.is_none() {
            match Worker::spawn(self.params.clone(), self.status.clone()) {
                Ok(worker) => self.worker = Some(worker),
                Err(e) => nice_error!("Comper: cannot start the inference worker: {e}"),
            }
        }
        true
    }

    fn reset(&mut self) {
        self.scheduler.reset();
    }

    fn process(
        &mut self,
        buffer: &mut Buffer,
        _aux: &mut AuxiliaryBuffers,
        context: &mut impl ProcessContext<Self>,
    ) -> ProcessStatus {
        let transport = context.transport();
        let samples = buffer.samples() as u32;
        let paced = self.pace.block(Instant::now(), samples, self.sample_rate);
        let info = BlockInfo {
            samples,
            sample_rate: self.sample_rate,
            playing: transport.playing,
            tempo: transport.tempo,
            position_beats: transport.pos_beats(),
            loop_beats: transport.loop_range_beats(),
            meter: transport
                .time_sig_numerator
                .zip(transport.time_sig_denominator)
                .and_then(|(n, d)| Meter::from_host(n, d)),
            bar_start_beats: transport.bar_start_pos_beats(),
            render: if self.offline { Render::Offline } else { paced },
        };
        let settings = self.params.settings();
        self.status.tempo.store(info.tempo.unwrap_or(settings.free_tempo), Ordering::Relaxed);
        let thru = settings.bypass || self.params.melody_thru.value();
        let chords = (!settings.bypass).then_some(settings.touch.channel);
        let mut notes = HostNotes { context, thru: &mut self.thru, chords };
        notes.retry_refused();
        let Some((_, link)) = self.worker.as_mut() else {
            while let Some(event) = notes.context.next_event() {
                notes.forward(event, true);
            }
            return ProcessStatus::KeepAlive;
        };
        self.scheduler.begin_block(&info, &settings, &mut notes, link);
        while let Some(event) = notes.context.next_event() {
            let timing = event.timing().min(info.samples.saturating_sub(1));
            self.scheduler.advance_to(timing, &settings, &mut notes, link);
            match event {
                NoteEvent::NoteOn { channel, key: Key::Number(key), velocity, .. } if velocity > 0.0 => {
                    let played = (channel.number().unwrap_or(0), key, velocity);
                    self.scheduler.melody_on(timing, played, &settings, &mut notes, link)
                }
                NoteEvent::NoteOn { channel, key: Key::Number(key), .. }
                | NoteEvent::NoteOff { channel, key: Key::Number(key), .. } => {
                    self.scheduler.melody_off(timing, channel.number().unwrap_or(0), key, link)
                }
                _ => {}
            }
            if let NoteEvent::NoteOn { channel: Channel::Number(channel), key: Key::Number(key), velocity, .. } = event
                && thru
                && velocity > 0.0
            {
                self.scheduler.melody_forwarded(timing, channel, key, &mut notes);
            }
            notes.forward(event, thru);
        }
        self.scheduler.end_block(&info, &settings, &mut notes, link);
        ProcessStatus::KeepAlive
    }
}

impl ClapPlugin for Comper {
    const CLAP_ID: &'static str = "org.comper.comper";
    const CLAP_DESCRIPTION: Option<&'static str> = Some("Live accompanist: answers a melody with chords on the beat");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[ClapFeature::NoteEffect, ClapFeature::Utility];
}

impl Vst3Plugin for Comper {
    const VST3_CLASS_ID: [u8; 16] = *b"ComperAccompany1";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[Vst3SubCategory::Instrument, Vst3SubCategory::Tools];
}

nice_export_clap!(Comper);
nice_export_vst3!(Comper);
