//! One module per `cargo xtask` subcommand.

pub mod data;
pub mod export;
pub mod ort;
pub mod test;
pub mod train;
