//! The plugin's buses: audio buffers for every audio bus (silence in, scratch out), and the
//! event buses that carry notes.
//!
//! Comper answers notes with notes, but it may declare a stereo pass-through so DAWs accept it,
//! and then nice-plug skips processing unless the host provides those outputs.

use std::ptr::null_mut;
use vst3::ComPtr;
use vst3::Steinberg::Vst::BusDirections_::{kInput, kOutput};
use vst3::Steinberg::Vst::MediaTypes_::{kAudio, kEvent};
use vst3::Steinberg::Vst::{
    AudioBusBuffers, AudioBusBuffers__type0, BusDirection, BusInfo, IComponent, IComponentTrait, MediaType,
};
use vst3::Steinberg::kResultOk;

const AUDIO: MediaType = kAudio as MediaType;
const EVENT: MediaType = kEvent as MediaType;
const INPUT: BusDirection = kInput as BusDirection;
const OUTPUT: BusDirection = kOutput as BusDirection;

/// Activates the first event input and output bus, where a note effect receives and sends notes.
pub(super) fn activate_event_buses(component: &ComPtr<IComponent>) {
    for direction in [INPUT, OUTPUT] {
        // SAFETY: `component` is a live, initialized component.
        unsafe {
            if component.getBusCount(EVENT, direction) > 0 {
                component.activateBus(EVENT, direction, 0, 1);
            }
        }
    }
}

/// Audio storage for every input and output bus of the plugin.
pub(super) struct AudioBuses {
    inputs: BusSet,
    outputs: BusSet,
}

/// What `ProcessData` needs to know about one direction's buses.
pub(super) struct BusPointers {
    pub(super) count: i32,
    pub(super) buffers: *mut AudioBusBuffers,
}

impl AudioBuses {
    /// Allocates `max_block` samples for every channel of every audio bus, and activates them.
    pub(super) fn for_component(component: &ComPtr<IComponent>, max_block: u32) -> Self {
        Self { inputs: BusSet::new(component, INPUT, max_block), outputs: BusSet::new(component, OUTPUT, max_block) }
    }

    /// Silences the inputs and returns fresh bus descriptors for one process call; they stay
    /// valid until `self` is next borrowed mutably.
    pub(super) fn prepare(&mut self) -> (BusPointers, BusPointers) {
        for channel in self.inputs.storage.iter_mut().flatten() {
            channel.fill(0.0);
        }
        (self.inputs.prepare(), self.outputs.prepare())
    }
}

/// The buses of one direction.
struct BusSet {
    /// Bus → channel → samples.
    storage: Vec<Vec<Vec<f32>>>,
    /// Bus → channel pointers into `storage`, rebuilt for each call.
    channel_pointers: Vec<Vec<*mut f32>>,
    /// The descriptors handed to the plugin, pointing into `channel_pointers`.
    descriptors: Vec<AudioBusBuffers>,
}

impl BusSet {
    fn new(component: &ComPtr<IComponent>, direction: BusDirection, max_block: u32) -> Self {
        // SAFETY: `component` is a live, initialized component.
        let count = unsafe { component.getBusCount(AUDIO, direction) };
        let storage: Vec<Vec<Vec<f32>>> = (0..count)
            .map(|index| {
                // SAFETY: `BusInfo` is plain data, valid when zeroed; the plugin fills it in and
                // `component` is live. The bus is activated so the plugin expects it.
                let channels = unsafe {
                    let mut info: BusInfo = std::mem::zeroed();
                    component.activateBus(AUDIO, direction, index, 1);
                    if component.getBusInfo(AUDIO, direction, index, &mut info) == kResultOk {
                        usize::try_from(info.channelCount).unwrap_or(0)
                    } else {
                        0
                    }
                };
                vec![vec![0.0; max_block as usize]; channels]
            })
            .collect();
        let channel_pointers = storage.iter().map(|bus| Vec::with_capacity(bus.len())).collect();
        let descriptors = Vec::with_capacity(storage.len());
        Self { storage, channel_pointers, descriptors }
    }

    /// Points the descriptors at the current storage; rebuilding them each call means no pointer
    /// outlives the borrow it was made from.
    fn prepare(&mut self) -> BusPointers {
        self.descriptors.clear();
        for (bus, pointers) in self.storage.iter_mut().zip(&mut self.channel_pointers) {
            pointers.clear();
            pointers.extend(bus.iter_mut().map(|channel| channel.as_mut_ptr()));
            self.descriptors.push(AudioBusBuffers {
                numChannels: i32::try_from(pointers.len()).unwrap_or(i32::MAX),
                silenceFlags: 0,
                __field0: AudioBusBuffers__type0 { channelBuffers32: pointers.as_mut_ptr() },
            });
        }
        BusPointers {
            count: i32::try_from(self.descriptors.len()).unwrap_or(i32::MAX),
            buffers: if self.descriptors.is_empty() { null_mut() } else { self.descriptors.as_mut_ptr() },
        }
    }
}
