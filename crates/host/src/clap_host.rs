//! The CLAP host, built on clack-host.

mod audio;
mod events;
mod handler;

use crate::{
    Block, HostConfig, HostError, MidiMessage, NoteEvent, ParamInfo, PluginDescriptorInfo, PluginHost, sorted_events,
    validate_block, validate_config,
};
use audio::AudioBuffers;
use clack_extensions::gui::{GuiApiType, GuiConfiguration, PluginGui, Window};
use clack_extensions::params::{ParamInfoBuffer, PluginParams};
use clack_extensions::render::{PluginRender, RenderMode};
use clack_extensions::state::PluginState;
use clack_host::entry::PluginEntryError;
use clack_host::events::event_types::ParamValueEvent;
use clack_host::prelude::{
    ClapId, EventBuffer, HostInfo, InputEvents, OutputEvents, Pckn, PluginAudioConfiguration, PluginEntry,
    PluginInstance, StartedPluginAudioProcessor,
};
use handler::{Handlers, Shared};
use std::ffi::CString;
use std::path::Path;

/// Bytes a parameter's value text may take, as DAWs size the buffer they pass.
const TEXT_CAPACITY: usize = 256;

/// A CLAP plugin loaded from a `.clap` bundle, activated and processing.
///
/// Everything runs on the calling thread, which acts as both the CLAP main thread and the audio
/// thread. The library stays loaded as long as the instance (clack's instance holds the entry).
pub struct ClapHost {
    /// `Some` for the host's whole life; taken only when dropping, to stop and deactivate.
    processor: Option<StartedPluginAudioProcessor<Handlers>>,
    instance: PluginInstance<Handlers>,
    descriptor: PluginDescriptorInfo,
    state: Option<PluginState>,
    params: Option<PluginParams>,
    audio: AudioBuffers,
    input_events: EventBuffer,
    output_events: EventBuffer,
    /// The raw MIDI of the last block's output.
    midi_output: Vec<MidiMessage>,
    /// Parameter changes for the start of the next block.
    pending_params: Vec<ParamValueEvent>,
    /// Samples processed so far, CLAP's `steady_time`.
    steady_time: u64,
    /// What the plugin is activated with, again on [`PluginHost::reactivate`].
    audio_config: PluginAudioConfiguration,
    max_block: u32,
    /// The plugin's window, while one is open.
    gui: Option<PluginGui>,
}

impl ClapHost {
    /// Loads the first plugin of the bundle (e.g. `target/bundled/Comper.clap`), activates it with
    /// `config` and starts processing.
    pub fn load(bundle: &Path, config: &HostConfig) -> Result<ClapHost, HostError> {
        validate_config(config)?;
        if !bundle.is_file() {
            return Err(HostError::BundleNotFound { path: bundle.to_path_buf() });
        }
        // SAFETY: loading a library runs its initializers and trusts its `clap_entry`; loading the
        // plugin the caller pointed at is this host's whole purpose.
        let entry = unsafe { PluginEntry::load(bundle) }.map_err(|e| entry_error(bundle, e))?;
        let no_plugin = || HostError::NoPlugin { path: bundle.to_path_buf() };
        let factory = entry.get_plugin_factory().ok_or_else(no_plugin)?;
        let descriptor = factory.plugin_descriptors().next().ok_or_else(no_plugin)?;
        let plugin_id = descriptor.id().ok_or_else(no_plugin)?.to_owned();
        let descriptor = PluginDescriptorInfo {
            id: plugin_id.to_string_lossy().into_owned(),
            name: descriptor.name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default(),
            features: descriptor.features().map(|f| f.to_string_lossy().into_owned()).collect(),
        };

        let host_info =
            HostInfo::new("comper-host", "Comper", "https://example.invalid/comper", env!("CARGO_PKG_VERSION"))
                .map_err(|e| HostError::Instantiate(e.to_string()))?;
        let mut instance =
            PluginInstance::<Handlers>::new(|_| Shared::default(), |_| (), &entry, &plugin_id, &host_info)
                .map_err(|e| HostError::Instantiate(e.to_string()))?;

        let handle = instance.plugin_handle();
        let state = handle.get_extension::<PluginState>();
        let params = handle.get_extension::<PluginParams>();
        if config.offline
            && let Some(render) = handle.get_extension::<PluginRender>()
        {
            render.set(&handle, RenderMode::Offline).map_err(|e| HostError::Activate(e.to_string()))?;
        }
        let audio = AudioBuffers::for_plugin(&handle, config.max_block);

        let audio_config = PluginAudioConfiguration {
            sample_rate: config.sample_rate,
            min_frames_count: 1,
            max_frames_count: config.max_block,
        };
        let processor = start(&mut instance, audio_config)?;

        Ok(ClapHost {
            processor: Some(processor),
            instance,
            descriptor,
            state,
            params,
            audio,
            input_events: EventBuffer::with_capacity(256),
            output_events: EventBuffer::with_capacity(256),
            midi_output: Vec::new(),
            pending_params: Vec::new(),
            steady_time: 0,
            audio_config,
            max_block: config.max_block,
            gui: None,
        })
    }

    /// The plugin's id, name and CLAP features.
    pub fn descriptor(&self) -> PluginDescriptorInfo {
        self.descriptor.clone()
    }

    /// Open the plugin's window embedded in the X11 window `parent` (for a headless screenshot,
    /// the root window of an Xvfb screen); returns its size in pixels. It stays open until the
    /// host is dropped. The window draws on its own thread; the caller keeps processing.
    pub fn open_window_x11(&mut self, parent: u64) -> Result<(u32, u32), HostError> {
        let handle = self.instance.plugin_handle();
        let gui =
            handle.get_extension::<PluginGui>().ok_or_else(|| HostError::Gui("the plugin has no window".into()))?;
        let embedded = GuiConfiguration { api_type: GuiApiType::X11, is_floating: false };
        if !gui.is_api_supported(&handle, embedded) {
            return Err(HostError::Gui("the plugin cannot embed its window in X11".into()));
        }
        gui.create(&handle, embedded).map_err(|e| HostError::Gui(e.to_string()))?;
        self.gui = Some(gui);
        // SAFETY: the caller's parent window outlives the plugin's window, which is destroyed
        // when this host is dropped.
        unsafe { gui.set_parent(&handle, Window::from_x11_handle(parent as std::ffi::c_ulong)) }
            .map_err(|e| HostError::Gui(e.to_string()))?;
        gui.show(&handle).map_err(|e| HostError::Gui(e.to_string()))?;
        let size = gui.get_size(&handle).ok_or_else(|| HostError::Gui("the plugin gave no window size".into()))?;
        Ok((size.width, size.height))
    }

    fn params_extension(&self) -> Result<PluginParams, HostError> {
        self.params.ok_or_else(|| HostError::Params("plugin has no CLAP params extension".into()))
    }

    /// `id` as a parameter the plugin has.
    fn clap_id(&mut self, id: u32) -> Result<ClapId, HostError> {
        let extension = self.params_extension()?;
        ClapId::from_raw(id)
            .filter(|clap_id| extension.get_value(&self.instance.plugin_handle(), *clap_id).is_some())
            .ok_or_else(|| HostError::Params(format!("plugin has no parameter {id}")))
    }
}

impl PluginHost for ClapHost {
    /// Output notes addressed to a wildcard key or channel are left out: [`NoteEvent`] cannot
    /// express them.
    fn process_any_transport(&mut self, block: &Block) -> Result<Vec<NoteEvent>, HostError> {
        validate_block(block, self.max_block)?;
        let processor = self.processor.as_mut().ok_or_else(|| HostError::Process("plugin is not processing".into()))?;

        self.input_events.clear();
        for change in self.pending_params.drain(..) {
            self.input_events.push(&change);
        }
        for message in &block.midi {
            events::push_midi(&mut self.input_events, message);
        }
        for note in sorted_events(block) {
            events::push_note(&mut self.input_events, &note);
        }
        // Stable: parameter changes first, then MIDI before notes at one offset.
        self.input_events.sort();
        self.output_events.clear();
        self.midi_output.clear();

        let transport = block.transport.as_ref().map(events::transport_event);
        let input = InputEvents::from_buffer(&self.input_events);
        let mut output = OutputEvents::from_buffer(&mut self.output_events);
        let steady_time = self.steady_time;
        self.audio
            .with_buffers(block.frames, |audio_in, audio_out| {
                processor.process(audio_in, audio_out, &input, &mut output, Some(steady_time), transport.as_ref())
            })
            .map_err(|e| HostError::Process(e.to_string()))?;
        self.steady_time += u64::from(block.frames);

        self.midi_output.extend(self.output_events.iter().filter_map(events::midi_from_output));
        Ok(self.output_events.iter().filter_map(events::note_from_output).collect())
    }

    fn midi_output(&self) -> &[MidiMessage] {
        &self.midi_output
    }

    fn reset(&mut self) -> Result<(), HostError> {
        self.processor.as_mut().ok_or_else(|| HostError::Process("plugin is not processing".into()))?.reset();
        Ok(())
    }

    fn reactivate(&mut self) -> Result<(), HostError> {
        if let Some(processor) = self.processor.take() {
            self.instance.deactivate(processor.stop_processing());
        }
        self.processor = Some(start(&mut self.instance, self.audio_config)?);
        Ok(())
    }

    fn params(&mut self) -> Result<Vec<ParamInfo>, HostError> {
        let Some(extension) = self.params else {
            return Ok(Vec::new());
        };
        let handle = self.instance.plugin_handle();
        let mut buffer = ParamInfoBuffer::new();
        (0..extension.count(&handle))
            .map(|index| {
                let info = extension
                    .get_info(&handle, index, &mut buffer)
                    .ok_or_else(|| HostError::Params(format!("no info for parameter #{index}")))?;
                let (id, name, range) =
                    (info.id, String::from_utf8_lossy(info.name).into_owned(), (info.min_value, info.max_value));
                let value = extension
                    .get_value(&handle, id)
                    .ok_or_else(|| HostError::Params(format!("no value for parameter {name} ({id})")))?;
                Ok(ParamInfo { id: id.get(), name, value, range })
            })
            .collect()
    }

    fn set_param(&mut self, id: u32, value: f64) -> Result<(), HostError> {
        let clap_id = self.clap_id(id)?;
        self.pending_params.push(ParamValueEvent::new(0, clap_id, Pckn::match_all(), value));
        Ok(())
    }

    fn value_to_text(&mut self, id: u32, value: f64) -> Result<String, HostError> {
        let (extension, clap_id) = (self.params_extension()?, self.clap_id(id)?);
        let mut buffer = [0u8; TEXT_CAPACITY];
        let text = extension
            .value_to_text(&self.instance.plugin_handle(), clap_id, value, &mut buffer)
            .map_err(|_| HostError::Params(format!("parameter {id} has no text for {value}")))?;
        Ok(String::from_utf8_lossy(text).into_owned())
    }

    fn text_to_value(&mut self, id: u32, text: &str) -> Result<f64, HostError> {
        let (extension, clap_id) = (self.params_extension()?, self.clap_id(id)?);
        let c_text = CString::new(text).map_err(|_| HostError::Params(format!("'{text}' holds a NUL")))?;
        extension
            .text_to_value(&self.instance.plugin_handle(), clap_id, &c_text)
            .ok_or_else(|| HostError::Params(format!("parameter {id} cannot read '{text}'")))
    }

    fn save_state(&mut self) -> Result<Vec<u8>, HostError> {
        let state = self.state.ok_or_else(|| HostError::StateSave("plugin has no CLAP state extension".into()))?;
        let mut bytes = Vec::new();
        state.save(&self.instance.plugin_handle(), &mut bytes).map_err(|e| HostError::StateSave(e.to_string()))?;
        Ok(bytes)
    }

    fn load_state(&mut self, mut state: &[u8]) -> Result<(), HostError> {
        let extension = self.state.ok_or_else(|| HostError::StateLoad("plugin has no CLAP state extension".into()))?;
        extension.load(&self.instance.plugin_handle(), &mut state).map_err(|e| HostError::StateLoad(e.to_string()))
    }

    fn idle(&mut self) {
        if self.instance.access_shared_handler(|shared| shared.take_callback_request()) {
            self.instance.call_on_main_thread_callback();
        }
    }
}

impl Drop for ClapHost {
    /// Closes the window, stops processing and deactivates; dropping the instance afterwards destroys the plugin and
    /// then releases the entry, which unloads the library.
    fn drop(&mut self) {
        if let Some(gui) = self.gui.take() {
            gui.destroy(&self.instance.plugin_handle());
        }
        if let Some(processor) = self.processor.take() {
            self.instance.deactivate(processor.stop_processing());
        }
    }
}

/// Activate `instance` with `config` and start processing; deactivated again if it will not
/// start.
fn start(
    instance: &mut PluginInstance<Handlers>,
    config: PluginAudioConfiguration,
) -> Result<StartedPluginAudioProcessor<Handlers>, HostError> {
    let stopped = instance.activate(|_, _| (), config).map_err(|e| HostError::Activate(e.to_string()))?;
    stopped.start_processing().map_err(|error| {
        let message = error.to_string();
        instance.deactivate(error.into_stopped_processor());
        HostError::Activate(message)
    })
}

fn entry_error(path: &Path, error: PluginEntryError) -> HostError {
    match error {
        PluginEntryError::LibraryLoadingError(libloading::Error::DlSym { .. }) | PluginEntryError::NullEntryPointer => {
            HostError::MissingEntryPoint { path: path.to_path_buf(), symbol: "clap_entry" }
        }
        other => HostError::LoadLibrary { path: path.to_path_buf(), reason: other.to_string() },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> HostConfig {
        HostConfig { sample_rate: 48_000.0, max_block: 512, offline: true }
    }

    #[test]
    fn missing_bundle_is_reported_with_its_path() {
        let path = Path::new("/nonexistent/Comper.clap");
        match ClapHost::load(path, &config()) {
            Err(HostError::BundleNotFound { path: reported }) => assert_eq!(reported, path),
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("loaded a missing bundle"),
        }
    }

    #[test]
    fn a_library_without_clap_entry_is_rejected() {
        assert!(matches!(
            ClapHost::load(&crate::test_support::system_library(), &config()),
            Err(HostError::MissingEntryPoint { symbol: "clap_entry", .. })
        ));
    }

    #[test]
    fn zero_max_block_is_rejected_before_loading() {
        let config = HostConfig { max_block: 0, ..config() };
        assert!(matches!(ClapHost::load(Path::new("/nonexistent"), &config), Err(HostError::InvalidConfig(_))));
    }
}
