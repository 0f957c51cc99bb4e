//! `cargo xtask eval`: every checkpoint accompanies the same melodies online, as the plugin
//! does (cold start, the melody fed frame by frame, the plugin's sampler and validity
//! mask, through ONNX Runtime), and is scored against a ground-truth row: a Markdown table,
//! JSON (one row per system), a CSV (one row per song and system), PNG plots and an HTML
//! page; with `--render`, every take as MIDI and audio to listen to.

use super::ort;
use crate::{corpus, paths};
use anyhow::{Context, bail};
use comper_data::Split;
use comper_data::import::files_with_extensions;
use comper_data::import::midi::MidiFile;
use comper_data::import::musicxml;
use comper_data::windows::fixed_windows;
use comper_eval::adaptation::{JUMP_BEAT, JUMP_SEMITONES, jumped};
use comper_eval::coadaptation::{CoAdaptation, MelodyAgent, duet};
use comper_eval::render::{Played, Synth};
use comper_eval::report::{Protocol, Report, SystemRow, Takes};
use comper_eval::runner::{accompany_all, melody_seed};
use comper_eval::{html, listening, paired, per_song, plots, render, sounding_chord};
use comper_inference::card::policy_folders;
use comper_inference::{
    ChordEncoder, ChordGrid, ModelCard, OnnxPolicy, PlanSettings, Planner, ReactSettings, environment,
};
use comper_music::{FrameTracks, Note, Part, Token};
use comper_train::checkpoint;
use comper_train::device::training_device;
use comper_train::models::teacher::TeacherConfig;
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Instant;

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
    #[arg(long, default_value_t = comper_data::windows::DEFAULT_WINDOW)]
    window: usize,
    /// Seed of the crops and of every session's sampler.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Sampling temperature (the paper evaluates at 1).
    #[arg(long, default_value_t = 1.0)]
    temperature: f32,
    /// Frames planned ahead (1: a chord per frame straight from the policy, as the paper).
    #[arg(long, default_value_t = 1)]
    lookahead: u32,
    /// Frames of each plan kept by the next.
    #[arg(long, default_value_t = 0)]
    commit: u32,
    /// Frames of silent listening at the start.
    #[arg(long, default_value_t = 0)]
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
    /// The melody agent the co-adaptation duets play with [default: models/melody-agent, if there]
    #[arg(long)]
    melody_agent: Option<PathBuf>,
    /// Duets of `--window` frames per checkpoint with the melody agent (0: none).
    #[arg(long, default_value_t = 64)]
    duets: usize,
    /// The chord encoder behind the Vendi score [default: models/chord-encoder]
    #[arg(long)]
    encoder: Option<PathBuf>,
    /// Runner threads [default: the machine's cores]
    #[arg(long)]
    threads: Option<usize>,
    /// Write every system's take of every song under renders/ in the output folder: MIDI, and
    /// WAV with a General MIDI SoundFont; report.html plays them.
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

/// A policy to evaluate.
struct Checkpoint {
    dir: PathBuf,
    card: ModelCard,
}

pub fn run(args: EvalArgs) -> anyhow::Result<()> {
    if !args.ab_results.is_empty() {
        return listening_results(&args.ab_results);
    }
    let started = Instant::now();
    let root = paths::workspace_root();
    let checkpoints =
        if args.models.is_empty() { shipped_policies(&root.join("models"))? } else { load_policies(&args.models)? };
    let (dataset, songs) = match &args.songs {
        Some(dir) => (dir.display().to_string(), songs_in(dir)?),
        None => {
            let corpus = corpus::load_or_build(&args.data.clone().unwrap_or_else(paths::default_cache_dir))?;
            let split = match args.split {
                SplitArg::Train => Split::Train,
                SplitArg::Valid => Split::Valid,
                SplitArg::Test => Split::Test,
            };
            let songs = corpus
                .split(split)
                .map(|s| (format!("{}/{}", s.source.name(), s.song_id), FrameTracks::encode(&s.melody, &s.chords)))
                .collect();
            (format!("the {} split (POP909 + Nottingham)", split.name()), songs)
        }
    };
    let (mut ids, songs): (Vec<String>, Vec<FrameTracks>) = songs.into_iter().filter(|s| !s.1.is_empty()).unzip();
    let mut takes = fixed_windows(&songs, args.window, args.seed);
    takes.truncate(args.limit.unwrap_or(usize::MAX));
    ids.truncate(takes.len());
    if takes.is_empty() {
        bail!("no melodies to play in {dataset}");
    }
    let protocol = Protocol {
        temperature: args.temperature,
        lookahead: args.lookahead,
        commit: args.commit,
        listen: args.listen,
        seed: args.seed,
        window: args.window,
        jump_beat: JUMP_BEAT,
        jump_semitones: JUMP_SEMITONES,
        react: args.react.then(|| {
            let defaults = ReactSettings::default();
            ReactSettings {
                candidates: args.candidates.unwrap_or(defaults.candidates),
                alpha: args.alpha.unwrap_or(defaults.alpha),
            }
        }),
        grid: args.grid.unwrap_or(if args.react { ChordGrid::Beats } else { ChordGrid::Sixteenths }),
    };
    let library = ort::provision()?;
    let environment = environment(&library)?;
    let encoder_dir = args.encoder.clone().unwrap_or_else(|| root.join("models/chord-encoder"));
    let mut encoder = ChordEncoder::load(environment, &encoder_dir)?;
    let agent_dir = args.melody_agent.clone().unwrap_or_else(|| root.join("models/melody-agent"));
    let agent = if args.duets > 0 && (args.melody_agent.is_some() || agent_dir.is_dir()) {
        let card = ModelCard::load(&agent_dir.join("card.json"))?;
        card.check_plays(Part::Melody)?;
        Some(Checkpoint { dir: agent_dir, card })
    } else {
        None
    };
    let mut embed = |chords: &[&[Token]]| -> anyhow::Result<Vec<Vec<f32>>> {
        let mut rows = Vec::with_capacity(chords.len());
        for batch in chords.chunks(64) {
            rows.extend(encoder.embed(batch)?.outer_iter().map(|r| r.to_vec()));
        }
        Ok(rows)
    };

    let melodies: Vec<Vec<Token>> = takes
        .iter()
        .map(|t| t.melody.clone())
        .chain(takes.iter().map(|t| jumped(t, JUMP_BEAT, JUMP_SEMITONES, false).melody))
        .collect();
    let melody_refs: Vec<&[Token]> = melodies.iter().map(Vec::as_slice).collect();
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!(
        "{} checkpoint(s) × {} melodies of up to {} frames from {dataset}, {threads} thread(s)",
        checkpoints.len(),
        takes.len(),
        args.window
    );
    let protocols = if args.also_strict { 2 } else { 1 };
    let progress = ProgressBar::new((protocols * checkpoints.len() * melodies.len()) as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} melodies [{elapsed_precise} < {eta_precise}] {msg}")
            .expect("valid template"),
    );

    let with_ground_truth = takes.iter().all(|t| t.chords.iter().any(|&c| sounding_chord(c).is_some()));
    let mut systems = Vec::new();
    let mut songs = Vec::new();
    let mut played = Vec::new();
    let mut embedded = Vec::new();
    let reference = if with_ground_truth {
        let chords: Vec<&[Token]> = takes.iter().map(|t| t.chords.as_slice()).collect();
        let truth_jumped: Vec<FrameTracks> = takes.iter().map(|t| jumped(t, JUMP_BEAT, JUMP_SEMITONES, true)).collect();
        let embeddings = embed(&chords)?;
        let row = SystemRow::score(
            "Ground truth",
            &Takes { plain: &takes, jumped: &truth_jumped, embeddings: &embeddings },
            None,
            JUMP_BEAT,
        );
        embedded.push(("Ground truth".to_string(), embeddings));
        let reference = row.rhythm.clone();
        songs.extend(per_song::rows("Ground truth", &ids, &takes));
        played.push(Played { system: "Ground truth".into(), takes: takes.clone() });
        systems.push(SystemRow { sync_emd: Some(0.0), ..row });
        Some(reference)
    } else {
        None
    };
    let pair = |melody: &[Token], chords: &[Token]| FrameTracks { melody: melody.to_vec(), chords: chords.to_vec() };
    // A system's row from its chords for every melody (the plain ones, then the jumped).
    let mut score = |name: &str, tracks: &[Vec<Token>]| -> anyhow::Result<SystemRow> {
        let (plain, moved) = tracks.split_at(takes.len());
        let plain: Vec<FrameTracks> = takes.iter().zip(plain).map(|(t, c)| pair(&t.melody, c)).collect();
        let moved: Vec<FrameTracks> = melodies[takes.len()..].iter().zip(moved).map(|(m, c)| pair(m, c)).collect();
        let chords: Vec<&[Token]> = plain.iter().map(|t| t.chords.as_slice()).collect();
        let embeddings = embed(&chords)?;
        let takes = Takes { plain: &plain, jumped: &moved, embeddings: &embeddings };
        songs.extend(per_song::rows(name, &ids, takes.plain));
        let row = SystemRow::score(name, &takes, reference.as_ref(), JUMP_BEAT);
        played.push(Played { system: name.into(), takes: plain });
        embedded.push((name.to_string(), embeddings));
        Ok(row)
    };
    if let Some(run) = &args.teacher {
        progress.set_message("offline teacher");
        let chords = offline_teacher(run, &melody_refs, &protocol)?;
        systems.push(score(OFFLINE_TEACHER, &chords)?);
    }
    for (i, checkpoint) in checkpoints.iter().enumerate() {
        progress.set_message(checkpoint.card.name.clone());
        let model = checkpoint.dir.join("model.onnx");
        let play = |settings: &PlanSettings| {
            let load = || OnnxPolicy::load(environment, &model, checkpoint.card.clone());
            accompany_all(&melody_refs, threads, load, checkpoint.card.window, settings, args.seed, &|| progress.inc(1))
                .with_context(|| format!("running {}", checkpoint.dir.display()))
        };
        let name = unique_name(&checkpoint.card.name, i, &checkpoints);
        let row = score(&name, &play(&protocol.settings())?)?;
        let coadaptation = match &agent {
            Some(agent) => Some(duets(checkpoint, agent, environment, &protocol, args.duets)?),
            None => None,
        };
        systems.push(SystemRow {
            model: Some(relative(&checkpoint.dir, &root)),
            version: Some(checkpoint.card.version.clone()),
            coadaptation,
            ..row
        });
        if args.also_strict {
            let strict = PlanSettings { react: None, grid: ChordGrid::Sixteenths, ..protocol.settings() };
            let row = score(&format!("{name}, strict"), &play(&strict)?)?;
            systems.push(SystemRow { model: Some(relative(&checkpoint.dir, &root)), ..row });
        }
    }
    progress.finish_and_clear();

    let report = Report {
        dataset,
        melodies: takes.len(),
        protocol,
        encoder: format!("{} {}", encoder.card().name, encoder.card().version),
        command: format!("cargo xtask {}", std::env::args().skip(1).collect::<Vec<_>>().join(" ")),
        seconds: started.elapsed().as_secs_f64(),
        systems,
        paired: paired::harmony_differences(&songs, args.seed),
        paired_vendi: paired::vendi_differences(&embedded),
    };
    let out = args.out.unwrap_or_else(|| root.join("target/comper/eval"));
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&report)?)?;
    let markdown = report.markdown();
    std::fs::write(out.join("report.md"), &markdown)?;
    per_song::write_csv(&songs, &out.join("per-song.csv"))?;
    let figures = ["adaptation.png", "harmony-vs-diversity.png"];
    plots::adaptation_curves(&report, &out.join(figures[0])).map_err(anyhow::Error::msg)?;
    plots::harmony_vs_diversity(&report, &out.join(figures[1])).map_err(anyhow::Error::msg)?;
    let renders = if args.render { renders(&out, &ids, &played, args.soundfont, threads)? } else { Vec::new() };
    let page = html::Page {
        markdown: &markdown,
        plots: &figures,
        ids: &ids,
        played: &played,
        rows: &songs,
        renders: &renders,
    };
    std::fs::write(out.join("report.html"), page.html())?;
    println!("{markdown}\nwritten to {}", out.display());
    Ok(())
}

/// Every take as MIDI, and as audio with the SoundFont given or found (else say what to install).
fn renders(
    out: &Path,
    ids: &[String],
    played: &[Played],
    soundfont: Option<PathBuf>,
    threads: usize,
) -> anyhow::Result<Vec<render::Render>> {
    let font = soundfont.or_else(render::find_soundfont);
    let synth = match &font {
        Some(path) => Some(Synth::load(path).with_context(|| format!("loading the SoundFont {}", path.display()))?),
        None => {
            eprintln!("{}", render::INSTALL_HINT);
            None
        }
    };
    let started = Instant::now();
    let renders = render::write_all(out, ids, played, synth.as_ref(), threads)
        .with_context(|| format!("writing renders in {}", out.display()))?;
    let audio = font.map_or("MIDI only".into(), |f| format!("MIDI and WAV with {}", f.display()));
    println!("{} renders ({audio}) in {:.0} s", renders.len(), started.elapsed().as_secs_f64());
    Ok(renders)
}

/// The largest session log read (a session of hundreds of trials is under 1 MB).
const LOG_BYTES: u64 = 64 << 20;

/// Print the summary of every blind session log under `dirs`. A line that does not parse
/// (a crash in the middle of writing it) is reported and left out.
fn listening_results(dirs: &[PathBuf]) -> anyhow::Result<()> {
    let mut sessions = Vec::new();
    for dir in dirs {
        let logs = files_with_extensions(dir, &["jsonl"]).with_context(|| format!("reading {}", dir.display()))?;
        for log in logs.iter().filter(|p| p.file_name().is_some_and(|n| n == "session.jsonl")) {
            let text = comper_files::read_text_limited(log, LOG_BYTES)
                .with_context(|| format!("reading {}", log.display()))?;
            let mut entries = Vec::new();
            for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match serde_json::from_str(line) {
                    Ok(entry) => entries.push(entry),
                    Err(e) => eprintln!("{}:{}: left out ({e})", log.display(), i + 1),
                }
            }
            sessions.push(entries);
        }
    }
    anyhow::ensure!(!sessions.is_empty(), "no session.jsonl under {dirs:?}");
    print!("{}", listening::markdown(&listening::summarize(&sessions), sessions.len()));
    Ok(())
}

/// The name of the offline ceiling's row.
const OFFLINE_TEACHER: &str = "Offline teacher (hears the whole melody)";

/// The chords of the teacher trained in `run` for each whole melody, at the protocol's
/// temperature and seed. It is not a plugin model: it needs the melody's future.
fn offline_teacher(run: &Path, melodies: &[&[Token]], protocol: &Protocol) -> anyhow::Result<Vec<Vec<Token>>> {
    let (config, dir): (TeacherConfig, _) = super::rl::trained(run, "teacher")?;
    let device = training_device().inner();
    let teacher = checkpoint::load_weights(&dir, config.init(&device))?;
    Ok(teacher.accompany(Part::Chords, melodies, protocol.temperature, protocol.seed, &device))
}

/// `checkpoint` accompanies `agent` in `count` duets of the protocol's window, seeded per duet.
fn duets(
    checkpoint: &Checkpoint,
    agent: &Checkpoint,
    environment: &'static comper_inference::runtime::Environment,
    protocol: &Protocol,
    count: usize,
) -> anyhow::Result<CoAdaptation> {
    let policy = OnnxPolicy::load(environment, &checkpoint.dir.join("model.onnx"), checkpoint.card.clone())?;
    let mut planner = Planner::new(policy, checkpoint.card.window, protocol.seed)?;
    let mut melody_agent =
        MelodyAgent::new(OnnxPolicy::load(environment, &agent.dir.join("model.onnx"), agent.card.clone())?);
    let takes = (0..count)
        .map(|i| {
            duet(&mut planner, &mut melody_agent, protocol.window, &protocol.settings(), melody_seed(protocol.seed, i))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CoAdaptation::score(&format!("{} {}", agent.card.name, agent.card.version), &takes))
}

/// Every policy in `models` (the chord encoder and the melody agent are left out).
fn shipped_policies(models: &Path) -> anyhow::Result<Vec<Checkpoint>> {
    load_policies(&policy_folders(models).with_context(|| format!("reading {}", models.display()))?)
}

fn load_policies(dirs: &[PathBuf]) -> anyhow::Result<Vec<Checkpoint>> {
    let checkpoints: Vec<Checkpoint> = dirs
        .iter()
        .map(|dir| {
            let card = ModelCard::load(&dir.join("card.json"))?;
            card.check_plays(Part::Chords)?;
            Ok(Checkpoint { card, dir: dir.clone() })
        })
        .collect::<anyhow::Result<_>>()?;
    if checkpoints.is_empty() {
        bail!("no model to evaluate: pass --model DIR (a folder with model.onnx and card.json)");
    }
    Ok(checkpoints)
}

/// The card's name, numbered when several checkpoints share it.
fn unique_name(name: &str, index: usize, all: &[Checkpoint]) -> String {
    let same: Vec<usize> = (0..all.len()).filter(|&j| all[j].card.name == name).collect();
    match same.iter().position(|&j| j == index) {
        Some(k) if same.len() > 1 => format!("{name} ({})", k + 1),
        _ => name.to_string(),
    }
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}

/// The user's songs: MIDI files (the track named "Melody", as in Comper's takes, else every
/// note of every track) and MusicXML lead sheets (melody and chord symbols). Files that cannot
/// be read are reported and left out. Each is named by its path inside `dir`.
fn songs_in(dir: &Path) -> anyhow::Result<Vec<(String, FrameTracks)>> {
    let files = files_with_extensions(dir, &["mid", "midi", "musicxml", "xml", "mxl"])
        .with_context(|| format!("reading {}", dir.display()))?;
    let mut songs = Vec::new();
    for path in files {
        let song = match path.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
            Some("mid" | "midi") => MidiFile::read(&path).map(|file| {
                let melody_track = file.tracks.iter().any(|t| t.name == "Melody");
                let notes: Vec<Note> = file
                    .tracks
                    .iter()
                    .filter(|t| !melody_track || t.name == "Melody")
                    .flat_map(|t| &t.notes)
                    .map(|n| Note { onset: file.beats(n.start), offset: file.beats(n.end), pitch: n.key })
                    .collect();
                FrameTracks::encode(&notes, &[])
            }),
            _ => musicxml::import_file(&path).map(|s| FrameTracks::encode(&s.sheet.melody, &s.sheet.chords)),
        };
        match song {
            Ok(song) => songs.push((relative(&path, dir), song)),
            Err(e) => eprintln!("skipping {}: {e}", path.display()),
        }
    }
    Ok(songs)
}
