//! Audio buffers matching the plugin's audio ports.
//!
//! Comper answers notes with notes, but it may still declare a stereo pass-through so DAWs accept
//! it, and a CLAP plugin reads the block length from its audio buffers. So the host feeds silence
//! into every input port, gives every output port scratch space, and still reports the block length
//! when there are no ports at all.

use clack_extensions::audio_ports::{AudioPortInfoBuffer, PluginAudioPorts};
use clack_host::prelude::{
    AudioPortBuffer, AudioPortBufferType, AudioPorts, InputAudioBuffers, InputChannel, OutputAudioBuffers,
    PluginMainThreadHandle,
};

/// Per port, per channel sample storage, `max_block` samples long.
type PortStorage = Vec<Vec<Vec<f32>>>;

/// Scratch audio storage for every port, plus clack's port descriptor lists pointing into it.
pub(super) struct AudioBuffers {
    inputs: PortStorage,
    outputs: PortStorage,
    input_ports: AudioPorts,
    output_ports: AudioPorts,
}

impl AudioBuffers {
    /// Allocates storage for the ports the plugin reports (none if it lacks the audio-ports
    /// extension).
    pub(super) fn for_plugin(plugin: &PluginMainThreadHandle, max_block: u32) -> Self {
        let ports = plugin.get_extension::<PluginAudioPorts>();
        let storage = |is_input: bool| -> PortStorage {
            let Some(ports) = ports else {
                return Vec::new();
            };
            let mut info = AudioPortInfoBuffer::new();
            (0..ports.count(plugin, is_input))
                .map(|index| {
                    let channels = ports.get(plugin, index, is_input, &mut info).map_or(0, |info| info.channel_count);
                    vec![vec![0.0; max_block as usize]; channels as usize]
                })
                .collect()
        };
        let inputs = storage(true);
        let outputs = storage(false);
        // Enough capacity up front: clack re-points descriptors after a reallocation incorrectly
        // when a port follows another one.
        let input_ports = AudioPorts::with_capacity(channel_count(&inputs), inputs.len());
        let output_ports = AudioPorts::with_capacity(channel_count(&outputs), outputs.len());
        Self { inputs, outputs, input_ports, output_ports }
    }

    /// Runs `process` with silent inputs and scratch outputs, all exactly `frames` long.
    ///
    /// `frames` must not exceed the `max_block` given to [`for_plugin`](Self::for_plugin).
    pub(super) fn with_buffers<R>(
        &mut self,
        frames: u32,
        process: impl FnOnce(&InputAudioBuffers, &mut OutputAudioBuffers) -> R,
    ) -> R {
        let len = frames as usize;
        for channel in self.inputs.iter_mut().flatten() {
            channel.fill(0.0);
        }
        let inputs = self.input_ports.with_input_buffers(self.inputs.iter_mut().map(|port| AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                port.iter_mut().map(|channel| InputChannel::variable(&mut channel[..len])),
            ),
        }));
        // SAFETY: the descriptors point into `self.inputs`, borrowed for as long as `inputs`, and
        // every channel there holds `max_block >= frames` samples. Re-wrapping only pins the block
        // length, which clack would otherwise leave unset for a plugin without audio ports.
        let inputs = unsafe { InputAudioBuffers::from_raw_buffers(inputs.as_raw_buffers(), frames) };
        let mut outputs = self.output_ports.with_output_buffers(self.outputs.iter_mut().map(|port| AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(port.iter_mut().map(|channel| &mut channel[..len])),
        }));
        process(&inputs, &mut outputs)
    }
}

fn channel_count(storage: &PortStorage) -> usize {
    storage.iter().map(Vec::len).sum()
}
