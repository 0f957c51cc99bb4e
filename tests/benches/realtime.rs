//! Benchmark: what a live jam costs. For every model in `models/`: load time, policy step
//! latency (ONNX Runtime, one thread) over a planned session, and planning time per frame;
//! then the bundled plugin's `process()` per block in Comper's CLAP host, in real-time mode.
//!
//! `cargo xtask bench` (provisions the runtime and the bundles, then runs this).

use comper::link::ChordTable;
use comper_host::{Block, ClapHost, HostConfig, NoteEvent, NoteKind, PluginHost, TransportInfo};
use comper_inference::card::policy_folders;
use comper_inference::{
    ChordGrid, KeyLock, ModelCard, OnnxPolicy, PlanSettings, Planner, ReactSettings, StepModel, environment,
    find_library,
};
use comper_music::Token;
use comper_tests::bundle;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// Frames of a simulated session per model.
const FRAMES: u32 = 512;

/// A policy that records how long each step takes.
struct Clocked {
    policy: OnnxPolicy,
    steps: Vec<Duration>,
}

impl StepModel for Clocked {
    type State = <OnnxPolicy as StepModel>::State;
    fn initial_state(&self) -> Self::State {
        self.policy.initial_state()
    }
    fn step(&mut self, state: &mut Self::State, token: Token) -> Result<Vec<f32>, comper_inference::InferenceError> {
        let started = Instant::now();
        let logits = StepModel::step(&mut self.policy, state, token);
        self.steps.push(started.elapsed());
        logits
    }

    fn step_each(
        &mut self,
        state: &Self::State,
        tokens: &[Token],
    ) -> Result<Vec<Vec<f32>>, comper_inference::InferenceError> {
        self.policy.step_each(state, tokens)
    }
}

fn quantiles(mut samples: Vec<Duration>) -> String {
    samples.sort();
    let q = |p: f64| samples[((samples.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    format!("p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms (n = {})", q(0.5), q(0.99), q(1.0), samples.len())
}

fn bench_model(dir: &Path, library: &Path) {
    let card = ModelCard::load(&dir.join("card.json")).unwrap();
    let started = Instant::now();
    let policy = OnnxPolicy::load(environment(library).unwrap(), &dir.join("model.onnx"), card.clone()).unwrap();
    let load = started.elapsed();
    let mut planner = Planner::new(Clocked { policy, steps: Vec::new() }, card.window, 1).unwrap();
    planner.start(1, 0).unwrap();
    let settings = PlanSettings {
        lookahead: 16,
        commit: 16,
        listen: 0,
        temperature: 0.8,
        react: Some(ReactSettings::default()),
        // The costliest grid: a full table on every frame, not only on the beat.
        grid: ChordGrid::Sixteenths,
        key: KeyLock::Any,
    };
    let melody = [60u8, 62, 64, 65, 67, 69, 71, 72];
    let (mut plans, mut tables) = (Vec::new(), Vec::new());
    for frame in 0..FRAMES {
        let started = Instant::now();
        let plan = planner.plan(&settings).unwrap();
        plans.push(started.elapsed());
        let note = melody[(frame / 4) as usize % melody.len()];
        let token = if frame % 4 == 0 { Token::note_on(note) } else { Token::note_hold(note) };
        let started = Instant::now();
        let conditional = planner.conditional_after(&settings, plan[0].token, token).unwrap();
        std::hint::black_box(ChordTable::new(conditional.frame, token, |m| conditional.choose(m)));
        tables.push(started.elapsed());
        planner.observe(plan[0].token, token).unwrap();
    }
    println!("model {} ({} {}): load {:.1} ms", dir.display(), card.name, card.version, load.as_secs_f64() * 1e3);
    println!("  policy step: {}", quantiles(std::mem::take(&mut planner.model_mut().steps)));
    println!("  plan per frame (lookahead 16 frames = 30 steps + observe 2): {}", quantiles(plans));
    println!(
        "  the next frame's chord table (2 steps + 16 candidates in one batch, 130 entries): {}",
        quantiles(tables)
    );
}

/// Resident memory of this process, in bytes (Linux `/proc/self/statm`; 0 elsewhere).
fn resident_bytes() -> u64 {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: u64 = statm.split_whitespace().nth(1).and_then(|p| p.parse().ok()).unwrap_or(0);
    pages * 4096
}

fn bench_process(clap: &Path) {
    let config = HostConfig { sample_rate: 48_000.0, max_block: 512, offline: false };
    let before = resident_bytes();
    let mut host = ClapHost::load(clap, &config).unwrap();
    let mut times = Vec::new();
    let blocks = 48_000 * 60 / 512; // one minute of audio
    let samples_per_beat = 24_000.0;
    for i in 0..blocks {
        let position = i as f64 * 512.0 / samples_per_beat;
        let transport = TransportInfo {
            playing: true,
            tempo: 120.0,
            position_beats: position,
            time_signature: (4, 4),
            loop_beats: None,
        };
        let mut events = Vec::new();
        if i % 47 == 0 {
            let key = 60 + (i / 47 % 12) as u8;
            events.push(NoteEvent { offset: 0, kind: NoteKind::On, channel: 0, key, velocity: 0.8 });
            events.push(NoteEvent { offset: 400, kind: NoteKind::Off, channel: 0, key, velocity: 0.0 });
        }
        let block = Block { frames: 512, transport: Some(transport), events, midi: Vec::new() };
        let started = Instant::now();
        host.process(&block).unwrap();
        times.push(started.elapsed());
        // Pace the blocks in real time so the worker runs as it would in a DAW.
        std::thread::sleep(Duration::from_micros(10_667).saturating_sub(started.elapsed()));
    }
    println!("plugin process() per 512-sample block (debug bundle, CLAP, real time): {}", quantiles(times));
    let grown = resident_bytes().saturating_sub(before) as f64 / (1 << 20) as f64;
    println!(
        "memory: one playing instance (bundle, worker, model session) adds {grown:.1} MiB resident to a process that already has ONNX Runtime loaded"
    );
}

fn main() {
    let library = find_library(None).expect("ONNX Runtime: run `cargo xtask bench`");
    let models = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models"));
    for dir in &policy_folders(&models).unwrap() {
        bench_model(dir, &library);
    }
    bench_process(&bundle("Comper.clap"));
}
