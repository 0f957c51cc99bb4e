//! Comper's plugin crate. The nice-plug wiring, realtime scheduler and inference worker
//! land here with the plugin work; today it only links the shared music domain so the
//! workspace builds the `cdylib` target the bundler will package.

pub use comper_music as music;
