//! Comper's own plugin host.
//!
//! Loads a bundled plugin (`target/bundled/Comper.clap` or `Comper.vst3`) and drives it offline,
//! block by block, from the calling thread. Integration tests and `cargo xtask jam` use it to play
//! a melody into the real plugin binary, through the real format wrappers, and read back the notes
//! it answers with — something unit tests of the plugin's core logic cannot cover.
//!
//! Both formats sit behind one trait, [`PluginHost`], so a test can run the same scenario through
//! [`ClapHost`] and [`Vst3Host`] and compare the results.

mod clap_host;
mod error;
mod perform;
pub mod plugin_state;
mod transport;
mod vst3_host;

pub use clap_host::ClapHost;
pub use error::HostError;
pub use perform::{MelodyNote, Performance, Played, perform, perform_midi, perform_with};
pub use vst3_host::Vst3Host;

/// What the host tells the plugin about the timeline for one block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TransportInfo {
    /// Whether the transport is rolling.
    pub playing: bool,
    /// Tempo in beats (quarter notes) per minute; must be positive.
    pub tempo: f64,
    /// Position in quarter notes at the block's first sample.
    pub position_beats: f64,
    /// Time signature as (numerator, denominator).
    pub time_signature: (u16, u16),
    /// Loop range in quarter notes, if looping is active.
    pub loop_beats: Option<(f64, f64)>,
}

/// Whether a note starts or ends.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoteKind {
    /// Note on.
    On,
    /// Note off.
    Off,
}

/// A note event inside a block: `offset` samples from the block start.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NoteEvent {
    /// Sample offset from the start of the block (`< frames`).
    pub offset: u32,
    /// Note on or off.
    pub kind: NoteKind,
    /// MIDI channel, 0..=15.
    pub channel: u8,
    /// MIDI key, 0..=127 (60 is middle C).
    pub key: u8,
    /// Velocity, 0.0..=1.0.
    pub velocity: f32,
}

/// A raw MIDI 1.0 channel message that is not a note inside a block: a controller (such as
/// the sustain pedal, CC64), pitch bend, channel or poly pressure, or program change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MidiMessage {
    /// Sample offset from the start of the block (`< frames`).
    pub offset: u32,
    /// The bytes as MIDI sends them; a two-byte message (program change, channel pressure)
    /// ends in an unused 0.
    pub data: [u8; 3],
}

impl MidiMessage {
    /// The message's channel, 0..=15.
    pub fn channel(&self) -> u8 {
        self.data[0] & 0x0F
    }

    /// The kind of message: the status byte without its channel (0xB0 for a controller, 0xE0
    /// for pitch bend, ...).
    pub fn kind(&self) -> u8 {
        self.data[0] & 0xF0
    }

    /// A status byte of a channel message that is not a note (0xA0..=0xEF), and data bytes
    /// below 0x80, as MIDI 1.0 requires.
    fn is_valid(&self) -> bool {
        let [status, data @ ..] = self.data;
        (0xA0..=0xEF).contains(&status) && data.iter().all(|&byte| byte < 0x80)
    }
}

/// One block of processing: its length, the timeline, and the notes and other MIDI going into
/// the plugin.
#[derive(Clone, Debug, PartialEq)]
pub struct Block {
    /// Block length in samples: `1..=max_block`.
    pub frames: u32,
    /// Timeline at the block's first sample; `None` means the host has no transport at all.
    pub transport: Option<TransportInfo>,
    /// Input notes; offsets must be below `frames`. They need not be sorted.
    pub events: Vec<NoteEvent>,
    /// Input controllers, bends, pressure and program changes; offsets must be below `frames`.
    /// They need not be sorted; one at the offset of a note reaches the plugin before it.
    pub midi: Vec<MidiMessage>,
}

/// One of the plugin's parameters as the host sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct ParamInfo {
    /// The format's parameter id (nice-plug derives it from a hash of the string id).
    pub id: u32,
    /// Display name.
    pub name: String,
    /// Current value in the format's convention: the CLAP plain value, or the VST3 normalized
    /// value. [`PluginHost::set_param`] takes the same convention.
    pub value: f64,
    /// The lowest and highest value in that convention (VST3: 0 and 1).
    pub range: (f64, f64),
}

/// What a loaded plugin says about itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PluginDescriptorInfo {
    /// CLAP plugin id, or the VST3 class id as 32 upper-case hex digits.
    pub id: String,
    /// Display name.
    pub name: String,
    /// CLAP features, or the VST3 subcategories split on `|`.
    pub features: Vec<String>,
}

/// How the host sets the plugin up.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HostConfig {
    /// Sample rate in Hz.
    pub sample_rate: f64,
    /// Largest block that [`PluginHost::process`] will be given; at least 1.
    pub max_block: u32,
    /// Tell the plugin it renders offline (CLAP render extension, VST3 `kOffline`, each sent
    /// once, as DAWs do), so it may take its time instead of meeting real-time deadlines.
    /// Either way this host processes blocks as fast as the plugin returns them: `false` is a
    /// render that never says so, as a freewheeling audio server runs one, unless the caller
    /// paces the blocks by the clock.
    pub offline: bool,
}

/// A loaded, activated plugin instance that processes blocks.
pub trait PluginHost {
    /// Process one block (`1 <= frames <= max_block`) and return the plugin's output note events
    /// in the order the plugin emitted them, with offsets relative to this block. A transport
    /// without a meaning (a tempo that is not positive, a position that is not finite, a zero
    /// time signature) is refused.
    fn process(&mut self, block: &Block) -> Result<Vec<NoteEvent>, HostError> {
        if let Some(transport) = &block.transport {
            transport.validate().map_err(HostError::InvalidBlock)?;
        }
        self.process_any_transport(block)
    }

    /// [`process`](Self::process) with the transport passed on as it is, however absurd (NaN,
    /// infinite or huge tempi and positions), as a misbehaving DAW sends it. The block's length
    /// and notes are still checked.
    fn process_any_transport(&mut self, block: &Block) -> Result<Vec<NoteEvent>, HostError>;

    /// The controllers, bends, pressure and program changes the plugin sent in the last
    /// processed block, in the order it sent them, with offsets relative to that block.
    fn midi_output(&self) -> &[MidiMessage];

    /// Reset the plugin between two blocks, as a DAW does on a seek or before a bounce (CLAP
    /// `reset`, VST3 `setProcessing` off and on).
    fn reset(&mut self) -> Result<(), HostError>;

    /// Deactivate and activate again with the same configuration, as a DAW does when the audio
    /// device changes.
    fn reactivate(&mut self) -> Result<(), HostError>;

    /// List the plugin's parameters with their current values.
    fn params(&mut self) -> Result<Vec<ParamInfo>, HostError>;

    /// Queue a parameter change (same value convention as [`ParamInfo::value`]); it is delivered
    /// at offset 0 of the next processed block, so [`params`](Self::params) shows it only after
    /// that block.
    fn set_param(&mut self, id: u32, value: f64) -> Result<(), HostError>;

    /// The text the plugin shows for parameter `id` at `value` (same convention as
    /// [`ParamInfo::value`]), as an automation lane or a typed-value box displays it.
    fn value_to_text(&mut self, id: u32, value: f64) -> Result<String, HostError>;

    /// The value the plugin reads from `text` typed for parameter `id` (same convention as
    /// [`ParamInfo::value`]).
    fn text_to_value(&mut self, id: u32, text: &str) -> Result<f64, HostError>;

    /// Serialize the plugin's state, as a DAW would when saving a project.
    fn save_state(&mut self) -> Result<Vec<u8>, HostError>;

    /// Restore state produced by [`save_state`](Self::save_state).
    fn load_state(&mut self, state: &[u8]) -> Result<(), HostError>;

    /// Run main-thread callbacks the plugin asked for (CLAP `on_main_thread`); a no-op for VST3,
    /// as this host offers VST3 plugins no run loop to ask through.
    fn idle(&mut self);

    /// The id of the parameter shown as `name`.
    fn param_id(&mut self, name: &str) -> Result<u32, HostError> {
        let params = self.params()?;
        params
            .iter()
            .find(|p| p.name == name)
            .map(|p| p.id)
            .ok_or_else(|| HostError::Params(format!("no parameter '{name}'")))
    }
}

/// Rejects configurations no plugin could be activated with, before anything is loaded.
fn validate_config(config: &HostConfig) -> Result<(), HostError> {
    if config.max_block == 0 || i32::try_from(config.max_block).is_err() {
        return Err(HostError::InvalidConfig(format!(
            "max_block must be in 1..={}, got {}",
            i32::MAX,
            config.max_block
        )));
    }
    if !(config.sample_rate.is_finite() && config.sample_rate > 0.0) {
        return Err(HostError::InvalidConfig(format!("sample rate must be positive, got {}", config.sample_rate)));
    }
    Ok(())
}

/// Checks a block before it reaches a plugin, because both wrappers would silently clamp or
/// wildcard out-of-range values instead of failing.
fn validate_block(block: &Block, max_block: u32) -> Result<(), HostError> {
    if block.frames == 0 || block.frames > max_block {
        return Err(HostError::InvalidBlock(format!("block has {} frames, expected 1..={max_block}", block.frames)));
    }
    if let Some(event) = block.events.iter().find(|e| e.offset >= block.frames) {
        return Err(HostError::InvalidBlock(format!(
            "note event at offset {} is outside a {}-frame block",
            event.offset, block.frames
        )));
    }
    if let Some(event) = block.events.iter().find(|e| e.channel > 15 || e.key > 127) {
        return Err(HostError::InvalidBlock(format!(
            "note event has channel {} / key {}, expected 0..=15 / 0..=127",
            event.channel, event.key
        )));
    }
    if let Some(message) = block.midi.iter().find(|m| m.offset >= block.frames || !m.is_valid()) {
        return Err(HostError::InvalidBlock(format!(
            "MIDI message {:02X?} at offset {} in a {}-frame block: expected a channel message that is not a note",
            message.data, message.offset, block.frames
        )));
    }
    Ok(())
}

/// Input events in time order, as both formats require; the sort is stable so simultaneous
/// events keep the caller's order.
fn sorted_events(block: &Block) -> Vec<NoteEvent> {
    let mut events = block.events.clone();
    events.sort_by_key(|e| e.offset);
    events
}

#[cfg(test)]
mod test_support {
    use std::path::PathBuf;

    /// A shared library that is neither a CLAP nor a VST3 plugin: the C library, which every
    /// Linux machine running these tests has.
    pub(crate) fn system_library() -> PathBuf {
        let arch = std::env::consts::ARCH;
        [
            format!("/lib/{arch}-linux-gnu/libc.so.6"),
            format!("/usr/lib/{arch}-linux-gnu/libc.so.6"),
            "/lib64/libc.so.6".to_owned(),
            "/usr/lib64/libc.so.6".to_owned(),
        ]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
        .expect("no libc.so.6 found in the usual places")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn note(offset: u32) -> NoteEvent {
        NoteEvent { offset, kind: NoteKind::On, channel: 0, key: 60, velocity: 0.5 }
    }

    fn block(frames: u32, events: Vec<NoteEvent>) -> Block {
        Block { frames, transport: None, events, midi: Vec::new() }
    }

    #[test]
    fn validate_block_accepts_one_frame_and_max_block() {
        assert!(validate_block(&block(1, vec![note(0)]), 512).is_ok());
        assert!(validate_block(&block(512, vec![note(511)]), 512).is_ok());
    }

    #[test]
    fn validate_block_rejects_bad_lengths_and_offsets() {
        assert!(matches!(validate_block(&block(0, vec![]), 512), Err(HostError::InvalidBlock(_))));
        assert!(matches!(validate_block(&block(513, vec![]), 512), Err(HostError::InvalidBlock(_))));
        assert!(matches!(validate_block(&block(4, vec![note(4)]), 512), Err(HostError::InvalidBlock(_))));
    }

    #[test]
    fn validate_block_accepts_controllers_and_rejects_notes_and_bad_bytes_as_midi() {
        let with = |offset, data| Block { midi: vec![MidiMessage { offset, data }], ..block(8, vec![]) };
        assert!(validate_block(&with(7, [0xB3, 64, 127]), 512).is_ok());
        assert!(validate_block(&with(0, [0xE0, 0, 0x40]), 512).is_ok());
        for (offset, data) in [(8, [0xB0, 64, 0]), (0, [0x90, 60, 100]), (0, [0xF8, 0, 0]), (0, [0xB0, 64, 128])] {
            assert!(matches!(validate_block(&with(offset, data), 512), Err(HostError::InvalidBlock(_))), "{data:02X?}");
        }
    }

    #[test]
    fn sorted_events_is_stable() {
        let mut late = note(3);
        late.key = 1;
        let mut first_at_zero = note(0);
        first_at_zero.key = 2;
        let mut second_at_zero = note(0);
        second_at_zero.key = 3;
        let sorted = sorted_events(&block(8, vec![late, first_at_zero, second_at_zero]));
        let keys: Vec<u8> = sorted.iter().map(|e| e.key).collect();
        assert_eq!(keys, vec![2, 3, 1]);
    }
}
