//! `cargo xtask jam MELODY.mid -o CHORDS.mid`: play a melody into the built `Comper.clap` in
//! Comper's own CLAP host (offline, so the same seed gives the same chords; `--live` in real
//! time, as a DAW plays), print the chord chart it answered with, and write melody and chords
//! to a MIDI file.

mod chart;
mod midi_out;

use super::bundle;
use anyhow::{Context, bail};
use chart::ChordChange;
use clap::Args;
use comper_data::import::midi::MidiFile;
use comper_eval::harmony::harmony;
use comper_eval::songs::melody_notes;
use comper_host::{ClapHost, HostConfig, MelodyNote, Performance, PluginHost, perform_with};
use comper_music::{ChordEvent, FrameTracks, Note};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a live jam gives the plugin to load its model before the first note, as a
/// musician waits for the plugin before pressing play.
const LOAD_WAIT: Duration = Duration::from_secs(2);

#[derive(Args)]
pub struct JamArgs {
    /// The melody (a standard MIDI file; every note of every track is played).
    pub melody: PathBuf,
    /// Where to write the melody and the chords.
    #[arg(short, long, default_value = "target/comper/jam.mid")]
    pub output: PathBuf,
    /// Tempo in BPM (default: the file's own tempo).
    #[arg(long)]
    pub tempo: Option<f64>,
    /// Sampling seed: the same seed gives the same chords.
    #[arg(long, default_value_t = 1)]
    pub seed: u32,
    /// Sampling temperature (default: the plugin's).
    #[arg(long)]
    pub temperature: Option<f64>,
    /// Keep new chords in this key (the plugin's `Key`: F, F major or D minor) [default: any chord]
    #[arg(long)]
    pub key: Option<String>,
    /// A model folder (model.onnx + card.json) instead of the shipped default.
    #[arg(long)]
    pub model: Option<PathBuf>,
    #[arg(long, default_value_t = 48_000.0)]
    pub sample_rate: f64,
    #[arg(long, default_value_t = 512)]
    pub block: u32,
    /// Play in real time, as a DAW plays live, instead of rendering offline: the chords are
    /// what a musician would hear, and may differ from run to run with the worker's timing.
    #[arg(long)]
    pub live: bool,
}

pub fn run(args: JamArgs) -> anyhow::Result<()> {
    let (melody, performance) = read_melody(&args.melody, args.tempo, args.sample_rate, args.block)?;
    let bundles = bundle::debug_bundles()?;
    if let Some(model) = &args.model {
        let model = model.canonicalize().with_context(|| format!("model folder {}", model.display()))?;
        // SAFETY: set before the plugin (and any thread of ours) starts; the plugin reads it
        // when its worker loads the model.
        unsafe { std::env::set_var("COMPER_MODEL", model) };
    }
    let config = HostConfig { sample_rate: args.sample_rate, max_block: args.block, offline: !args.live };
    let mut host = ClapHost::load(&bundles.clap, &config)?;
    set_param(&mut host, "Melody thru", 0.0)?;
    set_param(&mut host, "Seed", f64::from(args.seed))?;
    if let Some(t) = args.temperature {
        set_param(&mut host, "Temperature", t)?;
    }
    if let Some(key) = &args.key {
        let id = host.param_id("Key")?;
        let value =
            host.text_to_value(id, key).with_context(|| format!("--key {key}: name a key, such as F or D minor"))?;
        host.set_param(id, value)?;
    }
    if args.live {
        std::thread::sleep(LOAD_WAIT);
    }
    let started = Instant::now();
    let played = perform_with(&mut host, &melody, &performance, |sample| {
        if args.live {
            let due = Duration::from_secs_f64(sample as f64 / performance.sample_rate);
            std::thread::sleep(due.saturating_sub(started.elapsed()));
        }
        Ok(true)
    })?;
    let changes = ChordChange::from_played(&played, &performance);
    if changes.iter().all(|c| c.chord.is_none()) {
        bail!("Comper played no chords: is the ONNX Runtime library and the model in target/bundled/Comper/?");
    }
    print!("{}", chart::render(&changes, &melody, performance.beats_per_bar(), performance.end_beats));
    if let Some(harmony) = take_harmony(&melody, &changes, performance.end_beats) {
        println!("harmony of the take: {harmony:.2} (melody notes in the chord, over the frames where both sound)");
    }
    midi_out::write(&args.output, &melody, &played, &changes, &performance)?;
    println!("wrote {}", args.output.display());
    Ok(())
}

/// The notes of a melody file (every note of every track) and a performance of it that ends
/// a bar after its last note, at `tempo` or the file's own.
pub fn read_melody(
    path: &Path,
    tempo: Option<f64>,
    sample_rate: f64,
    block: u32,
) -> anyhow::Result<(Vec<MelodyNote>, Performance)> {
    let file = MidiFile::read(path).with_context(|| format!("reading {}", path.display()))?;
    let melody: Vec<MelodyNote> = (melody_notes(&file).iter())
        .map(|n| MelodyNote { start: n.onset, end: n.offset, key: n.pitch, velocity: 0.8 })
        .collect();
    if melody.is_empty() {
        bail!("{} has no notes", path.display());
    }
    let meter = file.meter.unwrap_or(comper_music::Meter { numerator: 4, denominator: 4 });
    let bar = meter.beats_per_bar();
    let last = melody.iter().map(|n| n.end).fold(0.0, f64::max);
    let performance = Performance {
        tempo: tempo.unwrap_or_else(|| file.initial_tempo()),
        time_signature: (u16::from(meter.numerator), u16::from(meter.denominator)),
        sample_rate,
        block,
        start_beats: 0.0,
        end_beats: ((last / bar).ceil() + 1.0) * bar,
        channel: 0,
    };
    Ok((melody, performance))
}

/// The evaluation's harmony of what was played: the melody against the chords as sounded.
fn take_harmony(melody: &[MelodyNote], changes: &[ChordChange], end: f64) -> Option<f64> {
    let notes: Vec<Note> = melody.iter().map(|n| Note { onset: n.start, offset: n.end, pitch: n.key }).collect();
    let offsets = changes.iter().skip(1).map(|c| c.beats).chain([end]);
    let chords: Vec<ChordEvent> = changes
        .iter()
        .zip(offsets)
        .filter_map(|(c, offset)| Some(ChordEvent { onset: c.beats, offset, chord: c.chord?, bass: None }))
        .collect();
    harmony(&[FrameTracks::encode(&notes, &chords)]).pooled
}

/// Set a parameter by its display name (CLAP plain value).
pub fn set_param(host: &mut ClapHost, name: &str, value: f64) -> anyhow::Result<()> {
    let id = host.param_id(name)?;
    host.set_param(id, value)?;
    Ok(())
}
