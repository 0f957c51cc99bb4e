//! Comper's inference side: the model-card contract every shipped model meets, the online
//! policy run step by step through ONNX Runtime, and the planner that turns it into chords
//! ahead of the music (the plugin's worker and the evaluation drive the same code).
//!
//! ONNX Runtime is loaded at run time (`ort`'s `load-dynamic`) from the library the
//! toolchain provisions; a missing or wrong library is an error value, never a panic.

pub mod card;
pub mod encoder;
pub mod planner;
pub mod policy;
pub mod runtime;
pub mod sampler;

pub use card::{CardError, ModelCard};
pub use encoder::{ChordEncoder, EncoderCard};
pub use planner::{
    ChordGrid, ConditionalChord, KeyLock, PlanSettings, PlannedChord, Planner, ReactSettings, StepModel,
};
pub use policy::OnnxPolicy;
pub use runtime::{InferenceError, environment, find_library};
pub use sampler::{Draws, Sampler, Track};
