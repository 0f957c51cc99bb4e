//! A plugin whose ONNX Runtime library is missing keeps the host running and silent, and
//! recovers without a restart once the library is where it was told to look. Its own test
//! binary: the library path comes from the process environment.

use comper_host::{ClapHost, HostConfig, MelodyNote, NoteKind, Performance, PluginHost, perform};
use comper_tests::bundle;

fn melody() -> Vec<MelodyNote> {
    (0..32)
        .map(|i| MelodyNote { start: i as f64, end: i as f64 + 0.9, key: 60 + (i % 8) as u8, velocity: 0.8 })
        .collect()
}

fn performance() -> Performance {
    Performance {
        tempo: 120.0,
        time_signature: (4, 4),
        sample_rate: 48_000.0,
        block: 512,
        start_beats: 0.0,
        end_beats: 32.0,
        channel: 0,
    }
}

#[test]
fn a_missing_runtime_is_survived_and_recovered_from() {
    let installed = std::env::var_os("ORT_DYLIB_PATH").expect("ONNX Runtime (run `cargo xtask test`)");
    let dir = tempfile::tempdir().unwrap();
    let library = dir.path().join("libonnxruntime.so");
    // SAFETY: set before the plugin (the only reader) is loaded; no other thread reads it yet.
    unsafe { std::env::set_var("COMPER_ORT_LIBRARY", &library) };
    let config = HostConfig { sample_rate: 48_000.0, max_block: 8192, offline: true };
    let mut host = ClapHost::load(&bundle("Comper.clap"), &config).unwrap();
    let thru = host.param_id("Melody thru").unwrap();
    host.set_param(thru, 0.0).unwrap();
    let silent = perform(&mut host, &melody(), &performance()).unwrap();
    assert!(silent.is_empty(), "no runtime, no chords, and no crash: {} events", silent.len());

    std::fs::copy(&installed, &library).unwrap();
    // The worker retries its load a few times a second; give it up to five seconds.
    let recovered = (0..20).any(|_| {
        std::thread::sleep(std::time::Duration::from_millis(250));
        perform(&mut host, &melody(), &performance()).unwrap().iter().any(|p| p.event.kind == NoteKind::On)
    });
    assert!(recovered, "chords once the library is installed, without reloading the plugin");
}
