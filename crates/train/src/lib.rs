//! Comper's training: burn models for the online policy, its offline teacher and the reward
//! models; batching, training loops with checkpoints, RL post-training (PPO, GAPT), and the
//! ONNX export.
//!
//! burn stays behind this crate: the toolchain calls these functions and never names a
//! burn type.

pub mod batch;
pub mod checkpoint;
pub mod data;
pub mod device;
pub mod export;
pub mod harmonize;
pub mod loss;
pub mod metrics;
pub mod models;
pub mod recipes;
pub mod rl;
pub mod run_record;
pub mod schedule;
pub mod tasks;
pub mod trainer;
