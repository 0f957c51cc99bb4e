//! `cargo xtask eval`: the evaluation of `comper_eval::evaluation` (every checkpoint
//! accompanies the same melodies online and is scored; reports, plots, `report.html` and,
//! with `--render`, every take to listen to), or with `--ab-results` the summary of blind
//! listening tests. This only reads the command line.

use super::ort;
use crate::{corpus, paths};
use comper_data::Split;
#[cfg(feature = "training")]
use comper_eval::evaluation::OfflineTeacher;
use comper_eval::evaluation::{self, Settings};
use comper_eval::listening;
use comper_eval::songs::Songs;
use comper_inference::{ChordGrid, KeyLock, ReactSettings};
#[cfg(feature = "training")]
use comper_music::Part;
#[cfg(feature = "training")]
use comper_train::checkpoint;
#[cfg(feature = "training")]
use comper_train::device::training_device;
#[cfg(feature = "training")]
use comper_train::models::teacher::TeacherConfig;
#[cfg(feature = "training")]
use comper_train::run_record;
use std::path::PathBuf;

#[derive(Clone, Copy, clap::ValueEnum)]
enum SplitArg {
    Train,
    Valid,
    Test,
}

#[derive(clap::Args)]
pub struct EvalArgs {
    /// A model folder (model.onnx + card.json); repeat for several [default: every policy in models/]
    #[arg(long = "model")]
    models: Vec<PathBuf>,
    /// The corpus split whose melodies are played.
    #[arg(long, value_enum, default_value = "test")]
    split: SplitArg,
    /// A folder of your own songs instead (MIDI melodies, MusicXML lead sheets).
    #[arg(long)]
    songs: Option<PathBuf>,
    /// Play at most this many melodies.
    #[arg(long)]
    limit: Option<usize>,
    /// Frames per melody (longer songs are cropped on a beat, seeded).
    #[arg(long, default_value_t = Settings::default().window)]
    window: usize,
    /// Seed of the crops and of every session's sampler.
    #[arg(long, default_value_t = Settings::default().seed)]
    seed: u64,
    /// Sampling temperature (the paper evaluates at 1).
    #[arg(long, default_value_t = Settings::default().temperature)]
    temperature: f32,
    /// Frames planned ahead (1: a chord per frame straight from the policy, as the paper).
    #[arg(long, default_value_t = Settings::default().lookahead)]
    lookahead: u32,
    /// Frames of each plan kept by the next.
    #[arg(long, default_value_t = Settings::default().commit)]
    commit: u32,
    /// Frames of silent listening at the start.
    #[arg(long, default_value_t = Settings::default().listen)]
    listen: u32,
    /// The react protocol: each chord is chosen once its frame's note is known, as the plugin does.
    #[arg(long)]
    react: bool,
    /// With --react: also play each model in the strict protocol (each chord before its
    /// frame's note, on any 16th), as rows "<name>, strict", to compare the two song by song.
    #[arg(long, requires = "react")]
    also_strict: bool,
    /// React: the weight of the note's likelihood against the chord's prior [default: ReactSettings's]
    #[arg(long)]
    alpha: Option<f32>,
    /// React: the likeliest chords that are re-ranked [default: ReactSettings's]
    #[arg(long)]
    candidates: Option<usize>,
    /// A teacher run folder: adds the offline ceiling, the teacher that hears the whole melody
    /// (e.g. target/comper/runs/teacher).
    #[arg(long)]
    teacher: Option<PathBuf>,
    /// Where chords may change: sixteenths (any frame), eighths or beats [default: beats with
    /// --react, as the plugin plays; else sixteenths, the paper's protocol]
    #[arg(long)]
    grid: Option<ChordGrid>,
    /// The key lock, as the plugin's `Key`: any, auto (the key heard over the last two bars)
    /// or a key ("F", "D minor").
    #[arg(long, default_value = "any", value_parser = |text: &str| KeyLock::parse(text).ok_or(format!("not a key lock: {text}")))]
    key: KeyLock,
    /// The melody agent the co-adaptation duets play with [default: models/melody-agent, if there]
    #[arg(long)]
    melody_agent: Option<PathBuf>,
    /// Duets of `--window` frames per checkpoint with the melody agent (0: none).
    #[arg(long, default_value_t = Settings::default().duets)]
    duets: usize,
    /// The chord encoder behind the Vendi score [default: models/chord-encoder]
    #[arg(long)]
    encoder: Option<PathBuf>,
    /// Runner threads [default: the machine's cores]
    #[arg(long)]
    threads: Option<usize>,
    /// Write every system's take of every song under renders/ in the output folder: MIDI, and
    /// WAV with a General MIDI SoundFont; report.html plays them. They play at the tempo a
    /// --songs file states (MIDI, MusicXML's <sound tempo>), else at 100 BPM.
    #[arg(long)]
    render: bool,
    /// The SoundFont (.sf2) of the audio renders [default: the first in /usr/share/sounds/sf2,
    /// /usr/share/soundfonts, /usr/local/share/soundfonts]
    #[arg(long, requires = "render")]
    soundfont: Option<PathBuf>,
    /// Output folder [default: target/comper/eval]
    #[arg(long)]
    out: Option<PathBuf>,
    /// Folder of the data cache [default: target/comper/data]
    #[arg(long)]
    data: Option<PathBuf>,
    /// Sum up blind listening tests instead: the plugin's A/B session folders, or folders
    /// holding them; repeat for several
    #[arg(long = "ab-results")]
    ab_results: Vec<PathBuf>,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    if !args.ab_results.is_empty() {
        print!("{}", listening::results(&args.ab_results)?);
        return Ok(());
    }
    let songs = match &args.songs {
        Some(dir) => Songs::folder(dir)?,
        None => {
            let corpus = corpus::load_or_build(&args.data.clone().unwrap_or_else(paths::default_cache_dir))?;
            let split = match args.split {
                SplitArg::Train => Split::Train,
                SplitArg::Valid => Split::Valid,
                SplitArg::Test => Split::Test,
            };
            Songs::split(&corpus, split)
        }
    };
    let react = args.react.then(|| {
        let defaults = ReactSettings::default();
        ReactSettings {
            candidates: args.candidates.unwrap_or(defaults.candidates),
            alpha: args.alpha.unwrap_or(defaults.alpha),
        }
    });
    let settings = Settings {
        workspace: paths::workspace_root(),
        models: args.models,
        limit: args.limit,
        window: args.window,
        seed: args.seed,
        temperature: args.temperature,
        lookahead: args.lookahead,
        commit: args.commit,
        listen: args.listen,
        react,
        also_strict: args.also_strict,
        grid: args.grid,
        key: args.key,
        #[cfg(feature = "training")]
        teacher: args.teacher.map(offline_teacher),
        // `main` runs `eval --teacher` again with the training toolchain.
        #[cfg(not(feature = "training"))]
        teacher: None,
        melody_agent: args.melody_agent,
        duets: args.duets,
        encoder: args.encoder,
        threads: args.threads,
        render: args.render,
        soundfont: args.soundfont,
        out: args.out,
        command: format!("cargo xtask {}", std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
    };
    evaluation::run(settings, songs, &ort::provision()?)?;
    Ok(())
}

/// The teacher trained in `run`, as the evaluation's offline ceiling.
#[cfg(feature = "training")]
fn offline_teacher(run: PathBuf) -> OfflineTeacher {
    Box::new(move |melodies, protocol| {
        let (config, dir): (TeacherConfig, _) = run_record::trained(&run, "teacher").map_err(anyhow::Error::msg)?;
        let device = training_device().inner();
        let teacher = checkpoint::load_weights(&dir, config.init(&device))?;
        Ok(teacher.accompany(Part::Chords, melodies, protocol.temperature, protocol.seed, &device))
    })
}
