//! `cargo xtask harmonize MELODY -o OUT.mid`: the offline teacher's chords for a whole written
//! melody (`comper_train::harmonize`), written with the melody as a MIDI file with the chord
//! names as markers.

use crate::paths;
use anyhow::{Context, bail};
use clap::Args;
use comper_eval::songs::Song;
use comper_music::metrics::Tally;
use comper_music::spans::chord_spans;
use comper_music::{FrameTracks, Meter, Take, Voicing};
use comper_train::checkpoint;
use comper_train::device::training_device;
use comper_train::harmonize::{HarmonizeSettings, harmonize};
use comper_train::models::teacher::TeacherConfig;
use comper_train::run_record::trained;
use std::io::Write;
use std::path::PathBuf;

#[derive(Args)]
pub struct HarmonizeArgs {
    /// A MIDI melody (the track named "Melody", else every note) or a MusicXML lead sheet.
    pub melody: PathBuf,
    /// The MIDI file to write; an existing file is never overwritten.
    #[arg(short, long)]
    pub out: PathBuf,
    /// The teacher's training run [default: target/comper/runs/teacher once trained here, else
    /// the shipped models/anchors/teacher].
    #[arg(long)]
    pub teacher: Option<PathBuf>,
    /// Sampling temperature [default: 1, as the teacher is evaluated].
    #[arg(long)]
    pub temperature: Option<f32>,
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

/// Tempo of a melody that states none.
const DEFAULT_TEMPO: f64 = 100.0;

pub fn run(args: HarmonizeArgs) -> anyhow::Result<()> {
    if args.out.exists() {
        bail!("{} already exists: choose another file (nothing is overwritten)", args.out.display());
    }
    let song = Song::read(&args.melody, args.melody.display().to_string())
        .with_context(|| format!("reading {}", args.melody.display()))?;
    let run = args.teacher.unwrap_or_else(|| paths::trained_run("teacher"));
    let (config, dir): (TeacherConfig, _) = trained(&run, "teacher").map_err(anyhow::Error::msg)?;
    let device = training_device().inner();
    let teacher = checkpoint::load_weights(&dir, config.init(&device))?;
    let defaults = HarmonizeSettings::default();
    let settings = HarmonizeSettings { temperature: args.temperature.unwrap_or(defaults.temperature), seed: args.seed };
    let melody = &song.tracks.melody;
    let chords = harmonize(&teacher, melody, settings, &device).with_context(|| args.melody.display().to_string())?;
    let mut take = Take::from_frames(melody, &chords, song.tempo.unwrap_or(DEFAULT_TEMPO), Voicing::default(), 0.8);
    take.meters = vec![(0.0, song.meter.unwrap_or(Meter::COMMON))];
    let bytes = take.to_midi_bytes()?;
    std::fs::File::create_new(&args.out)
        .and_then(|mut file| file.write_all(&bytes))
        .with_context(|| format!("writing {}", args.out.display()))?;
    let harmonized = FrameTracks { melody: melody.clone(), chords: chords.clone() };
    let harmony = Tally::of(&harmonized, 0..harmonized.len()).ratio().unwrap_or(0.0);
    println!(
        "{}: {} chords over {} bars, {:.0}% of the melody's notes in the chord, with the teacher of {}",
        args.out.display(),
        chord_spans(&chords).len(),
        melody.len().div_ceil(comper_music::metrics::FRAMES_PER_BAR),
        harmony * 100.0,
        run.display()
    );
    Ok(())
}
