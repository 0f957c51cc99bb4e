//! One module per `cargo xtask` subcommand.

pub mod bench;
pub mod bundle;
pub mod data;
pub mod eval;
#[cfg(feature = "training")]
pub mod export;
#[cfg(feature = "training")]
pub mod harmonize;
pub mod install;
pub mod jam;
pub mod ort;
#[cfg(feature = "training")]
pub mod rl;
pub mod test;
#[cfg(feature = "training")]
pub mod train;
pub mod window;
