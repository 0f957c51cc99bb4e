//! Which device trains. Flex (pure-Rust CPU) always; a GPU backend when the crate is built
//! with the `cuda` or `wgpu` feature, so users with more data switch by a flag, not a rewrite.

use burn::prelude::Device;

/// The autodiff device training runs on.
pub fn training_device() -> Device {
    base_device().autodiff()
}

/// A short name of the device, for logs and model cards.
pub fn device_name() -> &'static str {
    if cfg!(feature = "cuda") {
        "cuda:0"
    } else if cfg!(feature = "wgpu") {
        "wgpu"
    } else {
        "flex (CPU)"
    }
}

#[cfg(feature = "cuda")]
fn base_device() -> Device {
    Device::cuda(0)
}

#[cfg(all(feature = "wgpu", not(feature = "cuda")))]
fn base_device() -> Device {
    Device::wgpu(Default::default())
}

#[cfg(not(any(feature = "cuda", feature = "wgpu")))]
fn base_device() -> Device {
    Device::flex()
}
