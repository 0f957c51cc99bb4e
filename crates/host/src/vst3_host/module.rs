//! Loading a `.vst3` bundle's library and finding the plugin class in its factory.
//!
//! The `vst3` crate has bindings only, so the host does what the SDK's `VST3::Hosting::Module`
//! does on Linux: `dlopen` the library, call `ModuleEntry`, ask `GetPluginFactory` for the factory,
//! and call `ModuleExit` before unloading.

use crate::{HostError, PluginDescriptorInfo};
use libloading::Library;
use std::ffi::{CStr, c_char, c_void};
use std::path::{Path, PathBuf};
use std::ptr::null_mut;
use vst3::Steinberg::Vst::IComponent;
use vst3::Steinberg::{
    IPluginFactory, IPluginFactory2, IPluginFactory2Trait, IPluginFactoryTrait, PClassInfo, PClassInfo2, TUID,
    kResultOk,
};
use vst3::{ComPtr, Interface};

/// `bool ModuleEntry(void* sharedLibraryHandle)`, from the SDK's `linuxmain.cpp`.
type ModuleEntryFn = unsafe extern "C" fn(*mut c_void) -> bool;
/// `bool ModuleExit()`, from the SDK's `linuxmain.cpp`.
type ModuleExitFn = unsafe extern "C" fn() -> bool;
/// `IPluginFactory* GetPluginFactory()`, returning a reference the caller owns.
type GetPluginFactoryFn = unsafe extern "system" fn() -> *mut IPluginFactory;

/// The category of classes that are audio processors (as opposed to e.g. edit controllers).
const AUDIO_MODULE_CLASS: &str = "Audio Module Class";

/// Where the library of `bundle` lives: `<Name>.vst3/Contents/<arch>-linux/<Name>.so`. A path
/// to the library file itself is accepted as is.
pub(super) fn library_path(bundle: &Path) -> Result<PathBuf, HostError> {
    if bundle.is_file() {
        return Ok(bundle.to_path_buf());
    }
    let not_found = |path: &Path| HostError::BundleNotFound { path: path.to_path_buf() };
    if !bundle.is_dir() {
        return Err(not_found(bundle));
    }
    let mut library_name = bundle.file_stem().ok_or_else(|| not_found(bundle))?.to_owned();
    library_name.push(".so");
    let library = bundle.join("Contents").join(format!("{}-linux", std::env::consts::ARCH)).join(library_name);
    if library.is_file() { Ok(library) } else { Err(not_found(&library)) }
}

/// A loaded VST3 library. Dropping it calls `ModuleExit` and unloads the library, so every COM
/// object from it must be released first.
pub(super) struct Module {
    /// `ModuleExit`, present only if `ModuleEntry` was called.
    exit: Option<ModuleExitFn>,
    library: Library,
    path: PathBuf,
}

impl Module {
    /// Loads the library and runs `ModuleEntry` if it exports one.
    pub(super) fn open(path: &Path) -> Result<Self, HostError> {
        // SAFETY: loading a library runs its initializers; loading the plugin the caller pointed
        // at is this host's whole purpose.
        let library = unsafe { Library::new(path) }
            .map_err(|e| HostError::LoadLibrary { path: path.to_path_buf(), reason: e.to_string() })?;
        // SAFETY: the symbols, if present, have the SDK's signatures given above; the function
        // pointers are only used while `library` stays loaded (they live next to it in `Self`).
        let (entry, exit) = unsafe {
            (
                library.get::<ModuleEntryFn>(b"ModuleEntry\0").ok().map(|s| *s),
                library.get::<ModuleExitFn>(b"ModuleExit\0").ok().map(|s| *s),
            )
        };
        if let Some(entry) = entry {
            // SAFETY: see above. The handle argument is only informative; nice-plug ignores it.
            if !unsafe { entry(null_mut()) } {
                return Err(HostError::Instantiate(format!("ModuleEntry of {} failed", path.display())));
            }
        }
        Ok(Self { exit: entry.and(exit), library, path: path.to_path_buf() })
    }

    /// The library's plugin factory.
    pub(super) fn factory(&self) -> Result<ComPtr<IPluginFactory>, HostError> {
        // SAFETY: `GetPluginFactory` has the SDK signature given above.
        let get_factory = unsafe { self.library.get::<GetPluginFactoryFn>(b"GetPluginFactory\0") }
            .map_err(|_| HostError::MissingEntryPoint { path: self.path.clone(), symbol: "GetPluginFactory" })?;
        // SAFETY: the returned pointer is null or a factory reference that we now own.
        unsafe { ComPtr::from_raw(get_factory()) }.ok_or_else(|| HostError::NoPlugin { path: self.path.clone() })
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        if let Some(exit) = self.exit {
            // SAFETY: `ModuleEntry` succeeded and the library is still loaded; its result does not
            // matter as the library is unloaded right after.
            unsafe { exit() };
        }
    }
}

/// The first audio processor class a factory offers.
pub(super) struct AudioClass {
    pub(super) cid: TUID,
    pub(super) info: PluginDescriptorInfo,
}

/// Finds the first class of category "Audio Module Class"; its subcategories come from
/// `IPluginFactory2` when the factory has it.
pub(super) fn find_audio_class(factory: &ComPtr<IPluginFactory>) -> Option<AudioClass> {
    let factory2 = factory.cast::<IPluginFactory2>();
    // SAFETY: `factory` is a live factory.
    let count = unsafe { factory.countClasses() };
    (0..count).find_map(|index| {
        // SAFETY: `PClassInfo` is plain data, valid when zeroed; the factory fills it in.
        let mut info: PClassInfo = unsafe { std::mem::zeroed() };
        // SAFETY: `index < count` and `info` is a valid out-pointer.
        if unsafe { factory.getClassInfo(index, &mut info) } != kResultOk
            || c_string(&info.category) != AUDIO_MODULE_CLASS
        {
            return None;
        }
        let features = factory2
            .as_ref()
            .and_then(|factory2| {
                // SAFETY: as for `PClassInfo` above.
                let mut info2: PClassInfo2 = unsafe { std::mem::zeroed() };
                // SAFETY: as above.
                let result = unsafe { factory2.getClassInfo2(index, &mut info2) };
                (result == kResultOk).then(|| split_subcategories(&c_string(&info2.subCategories)))
            })
            .unwrap_or_default();
        Some(AudioClass {
            cid: info.cid,
            info: PluginDescriptorInfo { id: cid_hex(&info.cid), name: c_string(&info.name), features },
        })
    })
}

/// Instantiates class `cid` and returns its `IComponent`, not yet initialized.
pub(super) fn create_component(factory: &ComPtr<IPluginFactory>, cid: &TUID) -> Result<ComPtr<IComponent>, HostError> {
    let mut object = null_mut();
    // SAFETY: `cid` is a class id the factory listed, the interface id is a 16-byte GUID, and
    // `object` receives a reference that we own on success.
    let result =
        unsafe { factory.createInstance(cid.as_ptr(), IComponent::IID.as_ptr().cast::<c_char>(), &mut object) };
    if result != kResultOk {
        return Err(HostError::Instantiate(format!("IPluginFactory::createInstance returned {result}")));
    }
    // SAFETY: on success `object` is null or an `IComponent` reference that we now own.
    unsafe { ComPtr::from_raw(object.cast::<IComponent>()) }
        .ok_or_else(|| HostError::Instantiate("createInstance returned no object".into()))
}

/// A NUL-terminated C string in a fixed-size field, lossily decoded.
fn c_string(field: &[c_char]) -> String {
    let bytes: Vec<u8> = field.iter().map(|&c| c as u8).collect();
    CStr::from_bytes_until_nul(&bytes)
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|_| String::from_utf8_lossy(&bytes).into_owned())
}

fn split_subcategories(subcategories: &str) -> Vec<String> {
    subcategories.split('|').filter(|s| !s.is_empty()).map(str::to_owned).collect()
}

/// A class id as 32 upper-case hex digits, the way VST3 tools print it.
fn cid_hex(cid: &TUID) -> String {
    cid.iter().map(|&b| format!("{:02X}", b as u8)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c_field<const N: usize>(text: &str) -> [c_char; N] {
        let mut field = [0; N];
        for (slot, byte) in field.iter_mut().zip(text.bytes()) {
            *slot = byte as c_char;
        }
        field
    }

    #[test]
    fn fixed_size_strings_stop_at_nul() {
        assert_eq!(c_string(&c_field::<32>("Audio Module Class")), AUDIO_MODULE_CLASS);
        assert_eq!(c_string(&c_field::<4>("full")), "full");
    }

    #[test]
    fn subcategories_split_on_pipes() {
        assert_eq!(split_subcategories("Instrument|Tools"), ["Instrument", "Tools"]);
        assert!(split_subcategories("").is_empty());
    }

    #[test]
    fn class_ids_print_as_hex() {
        let cid: TUID = c_field::<16>("HostProbePlugin1");
        assert_eq!(cid_hex(&cid), "486F737450726F6265506C7567696E31");
    }

    #[test]
    fn missing_bundles_and_libraries_are_reported() {
        assert!(matches!(library_path(Path::new("/nonexistent/Comper.vst3")), Err(HostError::BundleNotFound { .. })));
        let empty_bundle = std::env::temp_dir().join(format!("comper-host-test-{}/Empty.vst3", std::process::id()));
        std::fs::create_dir_all(&empty_bundle).unwrap();
        let result = library_path(&empty_bundle);
        std::fs::remove_dir_all(empty_bundle.parent().unwrap()).unwrap();
        match result {
            Err(HostError::BundleNotFound { path }) => {
                assert!(path.ends_with("Empty.so"), "{}", path.display());
            }
            other => panic!("unexpected result: {other:?}"),
        }
    }
}
