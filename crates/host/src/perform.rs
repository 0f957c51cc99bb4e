//! Playing a whole melody into a plugin: the transport rolls from a start beat to an end
//! beat at a fixed tempo, block after block, with every melody note at its exact sample.

use crate::{Block, HostError, MidiMessage, NoteEvent, NoteKind, PluginHost, TransportInfo};

/// A melody note, in beats.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MelodyNote {
    pub start: f64,
    pub end: f64,
    pub key: u8,
    pub velocity: f32,
}

/// How the melody is played.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Performance {
    pub tempo: f64,
    pub time_signature: (u16, u16),
    pub sample_rate: f64,
    /// Samples per block.
    pub block: u32,
    /// The transport's range in beats.
    pub start_beats: f64,
    pub end_beats: f64,
    pub channel: u8,
}

impl Performance {
    /// Refuse a performance that cannot be played: no samples per block, a tempo outside
    /// 1–1,000 BPM or a sample rate outside 1–1,536 kHz (NaN included), a range that is not
    /// one. Played as given, a block of 0 samples or a tempo of 0 never reaches the end.
    pub fn check(&self) -> Result<(), HostError> {
        let tempo = (1.0..=1_000.0).contains(&self.tempo);
        let rate = (1_000.0..=1_536_000.0).contains(&self.sample_rate);
        let range = self.start_beats.is_finite() && self.end_beats.is_finite() && self.start_beats <= self.end_beats;
        let meter = self.time_signature.0 > 0 && self.time_signature.1 > 0;
        if self.block == 0 || !tempo || !rate || !range || !meter {
            return Err(HostError::InvalidConfig(format!(
                "cannot play {} BPM at {} Hz in blocks of {} samples, beats {} to {} in {}/{}",
                self.tempo,
                self.sample_rate,
                self.block,
                self.start_beats,
                self.end_beats,
                self.time_signature.0,
                self.time_signature.1
            )));
        }
        Ok(())
    }

    pub fn samples_per_beat(&self) -> f64 {
        self.sample_rate * 60.0 / self.tempo
    }

    pub fn beats_per_bar(&self) -> f64 {
        f64::from(self.time_signature.0) * 4.0 / f64::from(self.time_signature.1)
    }

    /// The sample (from the start) of a beat position.
    pub fn sample_of(&self, beats: f64) -> u64 {
        ((beats - self.start_beats) * self.samples_per_beat()).round().max(0.0) as u64
    }

    /// The beat position of a sample.
    pub fn beats_of(&self, sample: u64) -> f64 {
        self.start_beats + sample as f64 / self.samples_per_beat()
    }
}

/// An event (a note, or other MIDI) at a sample counted from the performance's start; its own
/// offset is the one in its block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Played<E = NoteEvent> {
    pub sample: u64,
    pub event: E,
}

/// Play `melody` through `host` as `performance` describes, as fast as the plugin answers;
/// returns everything the plugin sent, in order.
pub fn perform(
    host: &mut dyn PluginHost,
    melody: &[MelodyNote],
    performance: &Performance,
) -> Result<Vec<Played>, HostError> {
    perform_with(host, melody, performance, |_| Ok(true))
}

/// [`perform`], calling `after_block` with the samples played so far after every block (to
/// keep pace with a clock, or to look at the plugin mid-song); it returns false to stop early.
pub fn perform_with(
    host: &mut dyn PluginHost,
    melody: &[MelodyNote],
    performance: &Performance,
    after_block: impl FnMut(u64) -> Result<bool, HostError>,
) -> Result<Vec<Played>, HostError> {
    Ok(perform_all(host, melody, &[], performance, after_block)?.0)
}

/// [`perform`] with the player's controllers, bends, pressure and program changes going in
/// beside the melody, each in the block that holds its `sample` (their own offsets are not
/// read); returns the notes and then the other MIDI the plugin sent.
pub fn perform_midi(
    host: &mut dyn PluginHost,
    melody: &[MelodyNote],
    midi: &[Played<MidiMessage>],
    performance: &Performance,
) -> Result<(Vec<Played>, Vec<Played<MidiMessage>>), HostError> {
    perform_all(host, melody, midi, performance, |_| Ok(true))
}

/// [`perform_with`] with `midi` going in and the plugin's MIDI coming back.
fn perform_all(
    host: &mut dyn PluginHost,
    melody: &[MelodyNote],
    midi: &[Played<MidiMessage>],
    performance: &Performance,
    mut after_block: impl FnMut(u64) -> Result<bool, HostError>,
) -> Result<(Vec<Played>, Vec<Played<MidiMessage>>), HostError> {
    performance.check()?;
    let mut input: Vec<(u64, NoteEvent)> = Vec::with_capacity(melody.len() * 2);
    for note in melody.iter().filter(|n| n.end > performance.start_beats && n.start < performance.end_beats) {
        let event =
            |kind, velocity| NoteEvent { offset: 0, kind, channel: performance.channel, key: note.key, velocity };
        input.push((performance.sample_of(note.start), event(NoteKind::On, note.velocity)));
        input.push((performance.sample_of(note.end), event(NoteKind::Off, 0.0)));
    }
    // Offs before ons at the same sample, so a repeated key restarts cleanly.
    input.sort_by_key(|(sample, e)| (*sample, e.kind == NoteKind::On));
    let mut midi = midi.to_vec();
    midi.sort_by_key(|m| m.sample);
    let total = performance.sample_of(performance.end_beats);
    let (mut played, mut played_midi) = (Vec::new(), Vec::new());
    let (mut next_input, mut next_midi) = (0, 0);
    let mut now = 0u64;
    while now < total {
        let frames = (total - now).min(u64::from(performance.block)) as u32;
        let end = now + u64::from(frames);
        let mut events = Vec::new();
        while next_input < input.len() && input[next_input].0 < end {
            let (sample, event) = input[next_input];
            events.push(NoteEvent { offset: (sample - now) as u32, ..event });
            next_input += 1;
        }
        let mut block_midi = Vec::new();
        while let Some(Played { sample, event }) = midi.get(next_midi).filter(|m| m.sample < end) {
            block_midi.push(MidiMessage { offset: (sample - now) as u32, ..*event });
            next_midi += 1;
        }
        let transport = TransportInfo {
            playing: true,
            tempo: performance.tempo,
            position_beats: performance.beats_of(now),
            time_signature: performance.time_signature,
            loop_beats: None,
        };
        let block = Block { frames, transport: Some(transport), events, midi: block_midi };
        let at = |event: NoteEvent| Played { sample: now + u64::from(event.offset), event };
        played.extend(host.process(&block)?.into_iter().map(at));
        let at = |event: &MidiMessage| Played { sample: now + u64::from(event.offset), event: *event };
        played_midi.extend(host.midi_output().iter().map(at));
        host.idle();
        now = end;
        if !after_block(now)? {
            break;
        }
    }
    Ok((played, played_midi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_performance_that_never_ends_is_refused() {
        let fine = Performance {
            tempo: 120.0,
            time_signature: (4, 4),
            sample_rate: 48_000.0,
            block: 512,
            start_beats: 0.0,
            end_beats: 16.0,
            channel: 0,
        };
        assert!(fine.check().is_ok());
        for broken in [
            Performance { block: 0, ..fine },
            Performance { tempo: 0.0, ..fine },
            Performance { tempo: f64::NAN, ..fine },
            Performance { sample_rate: 0.0, ..fine },
            Performance { end_beats: f64::INFINITY, ..fine },
            Performance { time_signature: (4, 0), ..fine },
        ] {
            assert!(matches!(broken.check(), Err(HostError::InvalidConfig(_))), "{broken:?}");
        }
    }
}
