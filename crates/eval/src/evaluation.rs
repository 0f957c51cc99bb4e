//! The evaluation `cargo xtask eval` runs: every checkpoint accompanies the same melodies
//! online, as the plugin does (cold start, the melody fed frame by frame, the plugin's
//! sampler and validity mask, through ONNX Runtime), and is scored against a ground-truth
//! row; the results go to one folder: `report.md`, `report.json` (one row per system),
//! `per-song.csv` (one row per song and system), PNG plots and `report.html`, and with
//! [`Settings::render`] every take as MIDI and audio under `renders/`.

use crate::adaptation::{JUMP_BEAT, JUMP_SEMITONES, jumped};
use crate::checkpoints::{Checkpoint, load_policies, shipped_policies, unique_name};
use crate::coadaptation::{CoAdaptation, MelodyAgent, duet};
use crate::diversity::VendiJackknife;
use crate::render::{Played, Render, Synth};
use crate::report::{Protocol, Report, SystemRow, Takes};
use crate::runner::{accompany_all, melody_seed};
use crate::songs::{Song, Songs};
use crate::{html, paired, per_song, plots, render, sounding_chord};
use anyhow::{Context, bail};
use comper_data::windows::{DEFAULT_WINDOW, fixed_windows};
use comper_inference::runtime::Environment;
use comper_inference::{
    ChordEncoder, ChordGrid, KeyLock, OnnxPolicy, PlanSettings, Planner, ReactSettings, environment,
};
use comper_music::{FrameTracks, Part, Token};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The offline ceiling: chords for each whole melody at the protocol's temperature and
/// seed. It is not a plugin model (it needs the melody's future), so whoever can load one
/// (the training crate) passes it in.
pub type OfflineTeacher = Box<dyn FnOnce(&[&[Token]], &Protocol) -> anyhow::Result<Vec<Vec<Token>>>>;

/// The name of the offline ceiling's row.
pub const OFFLINE_TEACHER: &str = "Offline teacher (hears the whole melody)";

/// How to evaluate; the defaults are the paper's protocol on the shipped models.
pub struct Settings {
    /// Where `models/` and `target/` are: the defaults below are inside it, and the report
    /// names each model by its path relative to it.
    pub workspace: PathBuf,
    /// Policy folders (model.onnx + card.json); none: every policy in `models/`.
    pub models: Vec<PathBuf>,
    /// Play at most this many melodies.
    pub limit: Option<usize>,
    /// Frames per melody (longer songs are cropped on a beat, seeded).
    pub window: usize,
    /// Seed of the crops and of every session's sampler.
    pub seed: u64,
    pub temperature: f32,
    /// Frames planned ahead (1: a chord per frame straight from the policy, as the paper).
    pub lookahead: u32,
    /// Frames of each plan kept by the next.
    pub commit: u32,
    /// Frames of silent listening at the start.
    pub listen: u32,
    /// The react protocol (each chord chosen once its frame's note is known, as the plugin
    /// does); None: the strict one.
    pub react: Option<ReactSettings>,
    /// With `react`: also play each model in the strict protocol, as rows "<name>, strict".
    pub also_strict: bool,
    /// Where chords may change; None: beats with `react`, as the plugin plays, else
    /// sixteenths, the paper's protocol.
    pub grid: Option<ChordGrid>,
    /// The key lock the models play under (the plugin's `Key`).
    pub key: KeyLock,
    pub teacher: Option<OfflineTeacher>,
    /// The melody agent of the co-adaptation duets; None: `models/melody-agent`, if there.
    pub melody_agent: Option<PathBuf>,
    /// Duets of `window` frames per checkpoint with the melody agent (0: none).
    pub duets: usize,
    /// The chord encoder behind the Vendi score; None: `models/chord-encoder`.
    pub encoder: Option<PathBuf>,
    /// Runner threads; None: the machine's cores.
    pub threads: Option<usize>,
    /// Write every system's take of every song as MIDI, and as WAV with a SoundFont.
    pub render: bool,
    /// The SoundFont of the audio renders; None: the first found ([`render::find_soundfont`]).
    pub soundfont: Option<PathBuf>,
    /// The output folder; None: `target/comper/eval`.
    pub out: Option<PathBuf>,
    /// The command line, recorded in the report.
    pub command: String,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            workspace: PathBuf::from("."),
            models: Vec::new(),
            limit: None,
            window: DEFAULT_WINDOW,
            seed: 42,
            temperature: 1.0,
            lookahead: 1,
            commit: 0,
            listen: 0,
            react: None,
            also_strict: false,
            grid: None,
            key: KeyLock::Any,
            teacher: None,
            melody_agent: None,
            duets: 64,
            encoder: None,
            threads: None,
            render: false,
            soundfont: None,
            out: None,
            command: String::new(),
        }
    }
}

/// Evaluate with `settings` on `songs` through the ONNX Runtime library `runtime`, write
/// every output and print the report; the report is returned.
pub fn run(settings: Settings, songs: Songs, runtime: &Path) -> anyhow::Result<Report> {
    let started = Instant::now();
    let root = &settings.workspace;
    let checkpoints = if settings.models.is_empty() {
        shipped_policies(&root.join("models"))?
    } else {
        load_policies(&settings.models)?
    };
    let dataset = songs.dataset;
    let songs: Vec<Song> = songs.songs.into_iter().filter(|s| !s.tracks.is_empty()).collect();
    let tracks: Vec<FrameTracks> = songs.iter().map(|s| s.tracks.clone()).collect();
    let mut takes = fixed_windows(&tracks, settings.window, settings.seed);
    takes.truncate(settings.limit.unwrap_or(usize::MAX));
    let ids: Vec<String> = songs.iter().take(takes.len()).map(|s| s.id.clone()).collect();
    let tempos: Vec<Option<f64>> = songs.iter().take(takes.len()).map(|s| s.tempo).collect();
    if takes.is_empty() {
        bail!("no melodies to play in {dataset}");
    }
    let protocol = Protocol {
        temperature: settings.temperature,
        lookahead: settings.lookahead,
        commit: settings.commit,
        listen: settings.listen,
        seed: settings.seed,
        window: settings.window,
        jump_beat: JUMP_BEAT,
        jump_semitones: JUMP_SEMITONES,
        react: settings.react,
        grid: settings.grid.unwrap_or(if settings.react.is_some() { ChordGrid::Beats } else { ChordGrid::Sixteenths }),
        key: settings.key,
    };
    let environment = environment(runtime)?;
    let encoder_dir = settings.encoder.clone().unwrap_or_else(|| root.join("models/chord-encoder"));
    let mut encoder = ChordEncoder::load(environment, &encoder_dir)?;
    let agent_dir = settings.melody_agent.clone().unwrap_or_else(|| root.join("models/melody-agent"));
    let agent = if settings.duets > 0 && (settings.melody_agent.is_some() || agent_dir.is_dir()) {
        Some(Checkpoint::load(&agent_dir, Part::Melody)?)
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
    let threads = settings.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    println!(
        "{} checkpoint(s) × {} melodies of up to {} frames from {dataset}, {threads} thread(s)",
        checkpoints.len(),
        takes.len(),
        settings.window
    );
    let protocols = if settings.also_strict { 2 } else { 1 };
    let progress = ProgressBar::new((protocols * checkpoints.len() * melodies.len()) as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} melodies [{elapsed_precise} < {eta_precise}] {msg}")
            .expect("valid template"),
    );

    let with_ground_truth = takes.iter().all(|t| t.chords.iter().any(|&c| sounding_chord(c).is_some()));
    let mut systems = Vec::new();
    let mut songs = Vec::new();
    let mut played = Vec::new();
    let mut vendi_scores = Vec::new();
    let reference = if with_ground_truth {
        let chords: Vec<&[Token]> = takes.iter().map(|t| t.chords.as_slice()).collect();
        let truth_jumped: Vec<FrameTracks> = takes.iter().map(|t| jumped(t, JUMP_BEAT, JUMP_SEMITONES, true)).collect();
        let vendi = VendiJackknife::of(&embed(&chords)?);
        let row = SystemRow::score(
            "Ground truth",
            &Takes { plain: &takes, jumped: &truth_jumped, vendi: &vendi },
            None,
            JUMP_BEAT,
        );
        vendi_scores.push(("Ground truth".to_string(), vendi));
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
        let vendi = VendiJackknife::of(&embed(&chords)?);
        let takes = Takes { plain: &plain, jumped: &moved, vendi: &vendi };
        songs.extend(per_song::rows(name, &ids, takes.plain));
        let row = SystemRow::score(name, &takes, reference.as_ref(), JUMP_BEAT);
        played.push(Played { system: name.into(), takes: plain });
        vendi_scores.push((name.to_string(), vendi));
        Ok(row)
    };
    if let Some(teacher) = settings.teacher {
        progress.set_message("offline teacher");
        let chords = teacher(&melody_refs, &protocol)?;
        systems.push(score(OFFLINE_TEACHER, &chords)?);
    }
    for (i, checkpoint) in checkpoints.iter().enumerate() {
        progress.set_message(checkpoint.card.name.clone());
        let model = checkpoint.model();
        let play = |plan: &PlanSettings| {
            let load = || OnnxPolicy::load(environment, &model, checkpoint.card.clone());
            accompany_all(&melody_refs, threads, load, checkpoint.card.window, plan, settings.seed, &|| progress.inc(1))
                .with_context(|| format!("running {}", checkpoint.dir.display()))
        };
        let name = unique_name(i, &checkpoints);
        let row = score(&name, &play(&protocol.settings())?)?;
        let coadaptation = match &agent {
            Some(agent) => Some(duets(checkpoint, agent, environment, &protocol, settings.duets)?),
            None => None,
        };
        systems.push(SystemRow {
            model: Some(relative(&checkpoint.dir, root)),
            version: Some(checkpoint.card.version.clone()),
            coadaptation,
            ..row
        });
        if settings.also_strict {
            let strict = PlanSettings { react: None, grid: ChordGrid::Sixteenths, ..protocol.settings() };
            let row = score(&format!("{name}, strict"), &play(&strict)?)?;
            systems.push(SystemRow { model: Some(relative(&checkpoint.dir, root)), ..row });
        }
    }
    progress.finish_and_clear();

    let report = Report {
        dataset,
        melodies: takes.len(),
        protocol,
        encoder: format!("{} {}", encoder.card().name, encoder.card().version),
        command: settings.command,
        seconds: started.elapsed().as_secs_f64(),
        systems,
        paired: paired::harmony_differences(&songs, settings.seed),
        paired_vendi: paired::vendi_differences(&vendi_scores),
    };
    let out = settings.out.unwrap_or_else(|| root.join("target/comper/eval"));
    std::fs::create_dir_all(&out)?;
    std::fs::write(out.join("report.json"), serde_json::to_string_pretty(&report)?)?;
    let markdown = report.markdown();
    std::fs::write(out.join("report.md"), &markdown)?;
    per_song::write_csv(&songs, &out.join("per-song.csv"))?;
    let figures = ["adaptation.png", "harmony-vs-diversity.png"];
    plots::adaptation_curves(&report, &out.join(figures[0])).map_err(anyhow::Error::msg)?;
    plots::harmony_vs_diversity(&report, &out.join(figures[1])).map_err(anyhow::Error::msg)?;
    let renders =
        if settings.render { renders(&out, &ids, &tempos, &played, settings.soundfont, threads)? } else { Vec::new() };
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
    Ok(report)
}

/// Every take as MIDI, and as audio with the SoundFont given or found (else say what to install).
fn renders(
    out: &Path,
    ids: &[String],
    tempos: &[Option<f64>],
    played: &[Played],
    soundfont: Option<PathBuf>,
    threads: usize,
) -> anyhow::Result<Vec<Render>> {
    let font = soundfont.or_else(render::find_soundfont);
    let synth = match &font {
        Some(path) => Some(Synth::load(path).with_context(|| format!("loading the SoundFont {}", path.display()))?),
        None => {
            eprintln!("{}", render::INSTALL_HINT);
            None
        }
    };
    let started = Instant::now();
    let renders = render::write_all(out, ids, tempos, played, synth.as_ref(), threads)
        .with_context(|| format!("writing renders in {}", out.display()))?;
    let audio = font.map_or("MIDI only".into(), |f| format!("MIDI and WAV with {}", f.display()));
    println!("{} renders ({audio}) in {:.0} s", renders.len(), started.elapsed().as_secs_f64());
    Ok(renders)
}

/// `checkpoint` accompanies `agent` in `count` duets of the protocol's window, seeded per duet.
fn duets(
    checkpoint: &Checkpoint,
    agent: &Checkpoint,
    environment: &'static Environment,
    protocol: &Protocol,
    count: usize,
) -> anyhow::Result<CoAdaptation> {
    let policy = OnnxPolicy::load(environment, &checkpoint.model(), checkpoint.card.clone())?;
    let mut planner = Planner::new(policy, checkpoint.card.window, protocol.seed)?;
    let mut melody_agent = MelodyAgent::new(OnnxPolicy::load(environment, &agent.model(), agent.card.clone())?);
    let takes = (0..count)
        .map(|i| {
            duet(&mut planner, &mut melody_agent, protocol.window, &protocol.settings(), melody_seed(protocol.seed, i))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(CoAdaptation::score(&format!("{} {}", agent.card.name, agent.card.version), &takes))
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root).unwrap_or(path).display().to_string()
}
