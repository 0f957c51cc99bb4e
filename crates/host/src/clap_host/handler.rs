//! The host side of the CLAP callbacks: what the plugin may ask of its host.

use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl};
use clack_host::prelude::{HostError, HostExtensions, HostHandlers, SharedHandler};
use std::sync::atomic::{AtomicBool, Ordering};

/// Ties this host's callback types together for clack. Only the thread-safe part carries data:
/// the plugin is driven from one thread, so there is nothing per-thread to keep.
pub(super) struct Handlers;

impl HostHandlers for Handlers {
    type Shared<'a> = Shared;
    type MainThread<'a> = ();
    type AudioProcessor<'a> = ();

    /// The GUI extension: nice-plug opens a window only for a host that offers it.
    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder.register::<HostGui>();
    }
}

/// Requests the plugin made that the host honours later, from [`crate::PluginHost::idle`].
#[derive(Default)]
pub(super) struct Shared {
    callback_requested: AtomicBool,
}

impl Shared {
    /// Whether the plugin asked for `on_main_thread` since the last call; clears the request.
    pub(super) fn take_callback_request(&self) -> bool {
        self.callback_requested.swap(false, Ordering::AcqRel)
    }
}

impl SharedHandler<'_> for Shared {
    /// Ignored: the offline host keeps one activation for the instance's whole life. nice-plug only
    /// asks for a restart when the latency or the render mode changes while active, and the render
    /// mode is set before activation.
    fn request_restart(&self) {}

    /// Ignored: the host processes whenever its caller hands it a block, never sleeping the plugin.
    fn request_process(&self) {}

    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::Release);
    }
}

/// The window is embedded in a parent the caller sized (a screen); the plugin may size its
/// own window inside it (a scale it restores), and is shown once, when it is opened.
impl HostGuiImpl for Shared {
    fn resize_hints_changed(&self) {}

    fn request_resize(&self, _new_size: GuiSize) -> Result<(), HostError> {
        Ok(())
    }

    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }

    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }

    fn closed(&self, _was_destroyed: bool) {}
}
