//! The one error type of both hosts, so callers can handle CLAP and VST3 failures alike.

use std::path::PathBuf;

/// Why loading or driving a plugin failed.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    /// The bundle (or the library inside it) does not exist; usually the plugin was not bundled
    /// yet (`cargo xtask bundle comper`).
    #[error("plugin bundle not found: {}", path.display())]
    BundleNotFound {
        /// The path that was looked for.
        path: PathBuf,
    },
    /// The dynamic library exists but could not be loaded.
    #[error("could not load plugin library {}: {reason}", path.display())]
    LoadLibrary {
        /// The library's path.
        path: PathBuf,
        /// The loader's message.
        reason: String,
    },
    /// The library lacks the format's entry point (`clap_entry` or `GetPluginFactory`).
    #[error("{} does not export `{symbol}`", path.display())]
    MissingEntryPoint {
        /// The library's path.
        path: PathBuf,
        /// The missing symbol.
        symbol: &'static str,
    },
    /// The library's factory lists no plugin this host can instantiate.
    #[error("no plugin found in the factory of {}", path.display())]
    NoPlugin {
        /// The library's path.
        path: PathBuf,
    },
    /// The configuration cannot be used (e.g. `max_block` is 0).
    #[error("invalid host configuration: {0}")]
    InvalidConfig(String),
    /// Creating or initializing the plugin instance failed.
    #[error("plugin instantiation failed: {0}")]
    Instantiate(String),
    /// The plugin's window could not be opened.
    #[error("plugin window: {0}")]
    Gui(String),
    /// Activating the plugin or starting processing failed.
    #[error("plugin activation failed: {0}")]
    Activate(String),
    /// The block handed to `process` is malformed.
    #[error("invalid block: {0}")]
    InvalidBlock(String),
    /// The plugin's process call reported an error.
    #[error("plugin process call failed: {0}")]
    Process(String),
    /// The plugin has no parameter interface, or refused a parameter request.
    #[error("parameter request failed: {0}")]
    Params(String),
    /// The plugin could not save its state.
    #[error("saving plugin state failed: {0}")]
    StateSave(String),
    /// The plugin could not load the given state.
    #[error("loading plugin state failed: {0}")]
    StateLoad(String),
}
