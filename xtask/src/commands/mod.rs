//! One module per `cargo xtask` subcommand.

pub mod bench;
pub mod bundle;
pub mod data;
pub mod eval;
pub mod export;
pub mod install;
pub mod jam;
pub mod ort;
pub mod rl;
pub mod test;
pub mod train;
pub mod window;
