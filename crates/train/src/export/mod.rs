//! ONNX export: graphs written from trained burn weights with our own small builder over a
//! maintained protobuf crate (burn-onnx's exporter is experimental, bakes in static shapes
//! and generated names).

pub mod card;
pub mod chord_encoder;
pub mod graph;
pub mod policy;
