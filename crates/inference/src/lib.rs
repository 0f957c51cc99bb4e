//! Comper's inference side: the model-card contract every shipped model meets, and the
//! online policy run step by step through ONNX Runtime.
//!
//! ONNX Runtime is loaded at run time (`ort`'s `load-dynamic`) from the library the
//! toolchain provisions; a missing or wrong library is an error value, never a panic.

pub mod card;
pub mod policy;
pub mod runtime;

pub use card::{CardError, ModelCard};
pub use policy::OnnxPolicy;
pub use runtime::{InferenceError, environment, find_library};
