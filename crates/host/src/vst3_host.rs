//! The VST3 host, on the raw `vst3` bindings.

mod buses;
mod convert;
mod event_list;
mod module;
mod param_changes;
mod stream;

use crate::{
    Block, HostConfig, HostError, MidiMessage, NoteEvent, ParamInfo, PluginDescriptorInfo, PluginHost, sorted_events,
    validate_block, validate_config,
};
use buses::AudioBuses;
use convert::MidiInput;
use event_list::EventList;
use module::Module;
use param_changes::ParameterChanges;
use std::path::Path;
use std::ptr::null_mut;
use stream::MemoryStream;
use vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::kIsHidden;
use vst3::Steinberg::Vst::ProcessModes_::{kOffline, kRealtime};
use vst3::Steinberg::Vst::SymbolicSampleSizes_::kSample32;
use vst3::Steinberg::Vst::{
    CtrlNumber, Event, IAudioProcessor, IAudioProcessorTrait, IComponent, IComponentTrait, IEditController,
    IEditControllerTrait, IMidiMapping, IMidiMappingTrait, ParamID, ParamValue, ParameterInfo, ProcessData,
    ProcessSetup, String128, TChar,
};
use vst3::Steinberg::{IPluginBaseTrait, kNotImplemented, kResultOk, tresult};
use vst3::{Class, ComPtr, ComWrapper, Interface};

/// A VST3 plugin loaded from a `.vst3` bundle, initialized, active and processing.
///
/// Everything runs on the calling thread, which acts as both the UI thread and the audio thread.
/// Parameters and state go through the component's own `IEditController`, as in nice-plug's
/// single-component plugins; a plugin with a separate controller class is processed, but lists no
/// parameters. Controllers, pitch bend and channel pressure go in as DAWs send them, as changes
/// of the parameters the component's `IMidiMapping` assigns to them.
pub struct Vst3Host {
    processor: ComPtr<IAudioProcessor>,
    controller: Option<ComPtr<IEditController>>,
    midi_mapping: Option<ComPtr<IMidiMapping>>,
    component: ComPtr<IComponent>,
    class_info: PluginDescriptorInfo,
    buses: AudioBuses,
    input_events: ComWrapper<EventList>,
    output_events: ComWrapper<EventList>,
    /// The raw MIDI of the last block's output.
    midi_output: Vec<MidiMessage>,
    param_changes: ComWrapper<ParameterChanges>,
    process_mode: i32,
    sample_rate: f64,
    max_block: u32,
    /// `setActive(1)` succeeded, so dropping must deactivate.
    active: bool,
    /// `setProcessing(1)` succeeded, so dropping must stop processing.
    processing: bool,
    /// Declared last: dropped after every COM pointer above, it calls `ModuleExit` and unloads.
    _module: Module,
}

impl Vst3Host {
    /// Loads the first audio processor class of the bundle (the `target/bundled/Comper.vst3`
    /// directory, or the library inside it), activates it with `config` and starts processing.
    pub fn load(bundle: &Path, config: &HostConfig) -> Result<Vst3Host, HostError> {
        validate_config(config)?;
        let module = Module::open(&module::library_path(bundle)?)?;
        let factory = module.factory()?;
        let class = module::find_audio_class(&factory)
            .ok_or_else(|| HostError::NoPlugin { path: module.path().to_path_buf() })?;
        let component = module::create_component(&factory, &class.cid)?;
        // SAFETY: `component` is live; nice-plug needs no host context (null is allowed).
        check(unsafe { component.initialize(null_mut()) }, "IComponent::initialize", HostError::Instantiate)?;
        let Some(processor) = component.cast::<IAudioProcessor>() else {
            // SAFETY: `component` was initialized above and is not used afterwards.
            unsafe { component.terminate() };
            return Err(HostError::Instantiate("the component is not an IAudioProcessor".into()));
        };
        let controller = component.cast::<IEditController>();
        let midi_mapping = component.cast::<IMidiMapping>();
        let buses = AudioBuses::for_component(&component, config.max_block);
        buses::activate_event_buses(&component);

        let mut host = Vst3Host {
            processor,
            controller,
            midi_mapping,
            component,
            class_info: class.info,
            buses,
            input_events: ComWrapper::new(EventList::new()),
            output_events: ComWrapper::new(EventList::new()),
            midi_output: Vec::new(),
            param_changes: ComWrapper::new(ParameterChanges::new()),
            process_mode: if config.offline { kOffline } else { kRealtime } as i32,
            sample_rate: config.sample_rate,
            max_block: config.max_block,
            active: false,
            processing: false,
            _module: module,
        };
        host.start()?;
        Ok(host)
    }

    /// The plugin's name, class id (hex) and subcategories.
    pub fn class_info(&self) -> PluginDescriptorInfo {
        self.class_info.clone()
    }

    /// `setupProcessing`, `setActive(1)`, `setProcessing(1)`; the flags tell `Drop` how far it got.
    fn start(&mut self) -> Result<(), HostError> {
        let mut setup = ProcessSetup {
            processMode: self.process_mode,
            symbolicSampleSize: kSample32 as i32,
            // `validate_config` checked that it fits.
            maxSamplesPerBlock: self.max_block as i32,
            sampleRate: self.sample_rate,
        };
        // Sent once, as DAWs do (Comper's patched nice-plug reads the mode of this very call).
        // SAFETY: the plugin is initialized and `setup` is a valid pointer for the call.
        check(
            unsafe { self.processor.setupProcessing(&mut setup) },
            "IAudioProcessor::setupProcessing",
            HostError::Activate,
        )?;
        // SAFETY: the plugin is initialized and set up.
        check(unsafe { self.component.setActive(1) }, "IComponent::setActive", HostError::Activate)?;
        self.active = true;
        self.set_processing(true)
    }

    /// `setProcessing(on)`, which the SDK lets plugins leave unimplemented.
    fn set_processing(&mut self, on: bool) -> Result<(), HostError> {
        // SAFETY: the plugin is active.
        let result = unsafe { self.processor.setProcessing(u8::from(on)) };
        if result != kNotImplemented {
            check(result, "IAudioProcessor::setProcessing", HostError::Activate)?;
        }
        self.processing = on;
        Ok(())
    }

    fn controller(&self) -> Result<&ComPtr<IEditController>, HostError> {
        self.controller.as_ref().ok_or_else(|| HostError::Params("the component is not an IEditController".into()))
    }

    /// The block's input events (notes and poly pressure, in time order; MIDI before a note at
    /// one offset), and its controllers, bends and channel pressure as the changes of the
    /// parameters mapped to them.
    fn block_input(&self, block: &Block) -> Result<(Vec<Event>, Vec<ParamChange>), HostError> {
        let transport = block.transport.as_ref();
        let (mut events, mut changes) = (Vec::new(), Vec::new());
        for message in &block.midi {
            match convert::midi_input(message, transport, self.sample_rate) {
                MidiInput::Event(event) => events.push(event),
                MidiInput::Mapped { channel, controller, offset, value } => {
                    changes.push((self.midi_parameter(channel, controller)?, offset, value))
                }
                MidiInput::Unsupported => {
                    return Err(HostError::InvalidBlock(format!(
                        "VST3 has no way to send {:02X?} to this plugin",
                        message.data
                    )));
                }
            }
        }
        events.extend(sorted_events(block).iter().map(|note| convert::input_event(note, transport, self.sample_rate)));
        events.sort_by_key(|event| event.sampleOffset);
        Ok((events, changes))
    }

    /// The parameter the plugin's `IMidiMapping` assigns to `controller` on `channel` of event
    /// bus 0, which a DAW asks for before it turns a controller into a parameter change.
    fn midi_parameter(&self, channel: i16, controller: CtrlNumber) -> Result<ParamID, HostError> {
        let no_mapping = || HostError::InvalidBlock("the plugin maps no MIDI controllers (no IMidiMapping)".into());
        let mapping = self.midi_mapping.as_ref().ok_or_else(no_mapping)?;
        let mut id = 0;
        // SAFETY: `mapping` is live; `id` is a valid out-pointer.
        let result = unsafe { mapping.getMidiControllerAssignment(0, channel, controller, &mut id) };
        check(
            result,
            &format!("IMidiMapping::getMidiControllerAssignment({channel}, {controller})"),
            HostError::InvalidBlock,
        )?;
        Ok(id)
    }
}

impl PluginHost for Vst3Host {
    /// Output notes addressed to a wildcard pitch or channel are left out: [`NoteEvent`] cannot
    /// express them.
    fn process_any_transport(&mut self, block: &Block) -> Result<Vec<NoteEvent>, HostError> {
        validate_block(block, self.max_block)?;
        let transport = block.transport.as_ref();
        let (events, changes) = self.block_input(block)?;
        self.input_events.fill(events);
        for (id, offset, value) in changes {
            self.param_changes.set(id, offset, value);
        }
        self.output_events.fill([]);
        self.midi_output.clear();
        let mut context = transport.map(|t| convert::process_context(t, self.sample_rate));
        let (inputs, outputs) = self.buses.prepare();
        let mut data = ProcessData {
            processMode: self.process_mode,
            symbolicSampleSize: kSample32 as i32,
            // `validate_block` checked `frames <= max_block`, which fits in an `i32`.
            numSamples: block.frames as i32,
            numInputs: inputs.count,
            numOutputs: outputs.count,
            inputs: inputs.buffers,
            outputs: outputs.buffers,
            inputParameterChanges: com_pointer(&self.param_changes),
            outputParameterChanges: null_mut(),
            inputEvents: com_pointer(&self.input_events),
            outputEvents: com_pointer(&self.output_events),
            processContext: context.as_mut().map_or(null_mut(), |c| c as *mut _),
        };
        // SAFETY: the plugin is processing; every pointer in `data` points into `self.buses`,
        // the COM wrappers in `self` or `context`, all alive and unaliased for the call.
        let result = unsafe { self.processor.process(&mut data) };
        self.param_changes.clear();
        check(result, "IAudioProcessor::process", HostError::Process)?;
        let output = self.output_events.drain();
        self.midi_output.extend(output.iter().filter_map(convert::output_midi));
        Ok(output.iter().filter_map(convert::output_note).collect())
    }

    fn midi_output(&self) -> &[MidiMessage] {
        &self.midi_output
    }

    fn reset(&mut self) -> Result<(), HostError> {
        self.set_processing(false)?;
        self.set_processing(true)
    }

    /// Processing off, inactive, active, processing on; `setupProcessing` is not sent again.
    fn reactivate(&mut self) -> Result<(), HostError> {
        self.set_processing(false)?;
        // SAFETY: the plugin is initialized and no longer processing.
        check(unsafe { self.component.setActive(0) }, "IComponent::setActive", HostError::Activate)?;
        self.active = false;
        // SAFETY: the plugin is initialized, set up and inactive.
        check(unsafe { self.component.setActive(1) }, "IComponent::setActive", HostError::Activate)?;
        self.active = true;
        self.set_processing(true)
    }

    /// The parameters a DAW shows: hidden ones (nice-plug's 2,080 that stand for MIDI
    /// controllers, bend and pressure) are left out.
    fn params(&mut self) -> Result<Vec<ParamInfo>, HostError> {
        let Some(controller) = &self.controller else {
            return Ok(Vec::new());
        };
        // SAFETY: `controller` is live and initialized.
        let count = unsafe { controller.getParameterCount() };
        (0..count)
            .map(|index| {
                // SAFETY: `ParameterInfo` is plain data, valid when zeroed.
                let mut info: ParameterInfo = unsafe { std::mem::zeroed() };
                // SAFETY: `index < count` and `info` is a valid out-pointer.
                check(
                    unsafe { controller.getParameterInfo(index, &mut info) },
                    "IEditController::getParameterInfo",
                    HostError::Params,
                )?;
                if info.flags & kIsHidden != 0 {
                    return Ok(None);
                }
                // SAFETY: `controller` is live; `info.id` is one of its parameters.
                let value = unsafe { controller.getParamNormalized(info.id) };
                Ok(Some(ParamInfo { id: info.id, name: utf16_string(&info.title), value, range: (0.0, 1.0) }))
            })
            .filter_map(Result::transpose)
            .collect()
    }

    fn set_param(&mut self, id: u32, value: f64) -> Result<(), HostError> {
        if !(0.0..=1.0).contains(&value) {
            return Err(HostError::Params(format!("VST3 values are normalized to 0..=1, got {value}")));
        }
        if !self.params()?.iter().any(|param| param.id == id) {
            return Err(HostError::Params(format!("plugin has no parameter {id}")));
        }
        // SAFETY: the controller is live; `id` is one of its parameters.
        check(
            unsafe { self.controller()?.setParamNormalized(id, value) },
            "IEditController::setParamNormalized",
            HostError::Params,
        )?;
        self.param_changes.set(id, 0, value);
        Ok(())
    }

    fn value_to_text(&mut self, id: u32, value: f64) -> Result<String, HostError> {
        let mut text: String128 = [0; 128];
        // SAFETY: the controller is live; `text` is a valid String128 out-pointer.
        check(
            unsafe { self.controller()?.getParamStringByValue(id, value, &mut text) },
            "IEditController::getParamStringByValue",
            HostError::Params,
        )?;
        Ok(utf16_string(&text))
    }

    fn text_to_value(&mut self, id: u32, text: &str) -> Result<f64, HostError> {
        let mut wide: Vec<TChar> = text.encode_utf16().map(|c| c as TChar).chain([0]).collect();
        let mut value = 0.0;
        // SAFETY: the controller is live; `wide` is NUL-terminated and `value` a valid out-pointer.
        check(
            unsafe { self.controller()?.getParamValueByString(id, wide.as_mut_ptr(), &mut value) },
            "IEditController::getParamValueByString",
            HostError::Params,
        )?;
        Ok(value)
    }

    fn save_state(&mut self) -> Result<Vec<u8>, HostError> {
        let stream = ComWrapper::new(MemoryStream::new(Vec::new()));
        // SAFETY: the component is live; the stream outlives the call.
        check(unsafe { self.component.getState(com_pointer(&stream)) }, "IComponent::getState", HostError::StateSave)?;
        Ok(stream.take_bytes())
    }

    /// Restores the component, then tells the controller about it as the SDK's hosts do (a
    /// no-op for nice-plug, whose controller is the component).
    fn load_state(&mut self, state: &[u8]) -> Result<(), HostError> {
        let stream = ComWrapper::new(MemoryStream::new(state.to_vec()));
        // SAFETY: the component is live; the stream outlives the call.
        check(unsafe { self.component.setState(com_pointer(&stream)) }, "IComponent::setState", HostError::StateLoad)?;
        if let Some(controller) = &self.controller {
            stream.rewind();
            // SAFETY: as above.
            check(
                unsafe { controller.setComponentState(com_pointer(&stream)) },
                "IEditController::setComponentState",
                HostError::StateLoad,
            )?;
        }
        Ok(())
    }

    fn idle(&mut self) {}
}

impl Drop for Vst3Host {
    /// Stops processing, deactivates and terminates; the fields then release the COM objects and
    /// the module unloads the library last.
    fn drop(&mut self) {
        // SAFETY: the plugin was initialized in `load`, and the flags say how far `start` got.
        unsafe {
            if self.processing {
                self.processor.setProcessing(0);
            }
            if self.active {
                self.component.setActive(0);
            }
            self.component.terminate();
        }
    }
}

/// A parameter, the sample offset of its change and its new normalized value.
type ParamChange = (ParamID, i32, ParamValue);

/// Turns a VST3 result into an error that names the call.
fn check(result: tresult, call: &str, error: impl FnOnce(String) -> HostError) -> Result<(), HostError> {
    if result == kResultOk { Ok(()) } else { Err(error(format!("{call} returned {result}"))) }
}

/// A borrowed COM pointer to one of the host's own objects, for the plugin to use during a call.
fn com_pointer<C: Class, I: Interface>(object: &ComWrapper<C>) -> *mut I {
    object.as_com_ref::<I>().map_or(null_mut(), |interface| interface.as_ptr())
}

/// A NUL-terminated UTF-16 string in a fixed-size field, lossily decoded.
fn utf16_string(field: &[u16]) -> String {
    let end = field.iter().position(|&c| c == 0).unwrap_or(field.len());
    String::from_utf16_lossy(&field[..end])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> HostConfig {
        HostConfig { sample_rate: 48_000.0, max_block: 512, offline: true }
    }

    #[test]
    fn missing_bundle_is_reported_with_its_path() {
        let path = Path::new("/nonexistent/Comper.vst3");
        match Vst3Host::load(path, &config()) {
            Err(HostError::BundleNotFound { path: reported }) => assert_eq!(reported, path),
            Err(other) => panic!("unexpected error: {other}"),
            Ok(_) => panic!("loaded a missing bundle"),
        }
    }

    #[test]
    fn a_library_without_get_plugin_factory_is_rejected() {
        assert!(matches!(
            Vst3Host::load(&crate::test_support::system_library(), &config()),
            Err(HostError::MissingEntryPoint { symbol: "GetPluginFactory", .. })
        ));
    }

    #[test]
    fn utf16_fields_stop_at_nul() {
        let mut field = [0u16; 8];
        for (slot, c) in field.iter_mut().zip("Gain".encode_utf16()) {
            *slot = c;
        }
        assert_eq!(utf16_string(&field), "Gain");
    }
}
