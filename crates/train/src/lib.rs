//! Comper's training: burn models for the online policy, its offline teacher and the reward
//! models; batching, training loops with checkpoints, and the ONNX export of the policy.
//!
//! burn stays behind this crate: the toolchain calls these functions and never names a
//! burn type.

pub mod batch;
pub mod checkpoint;
pub mod data;
pub mod device;
pub mod export;
pub mod loss;
pub mod metrics;
pub mod models;
pub mod schedule;
pub mod tasks;
pub mod trainer;
