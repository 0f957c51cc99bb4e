//! Listening renders: what each system played on each song, as a MIDI file of melody and
//! chords on two General MIDI instruments and, with a SoundFont, as audio, so an evaluator
//! hears a take without loading it into a DAW. Files go to
//! `renders/<nn-song>/<n-system>.mid|.wav` inside the evaluation's folder, numbered so that
//! two ids never share a name, and overwritten by the next evaluation as its reports are.

use comper_music::{FrameTracks, Take, Voicing};
use rustysynth::{MidiFile, MidiFileSequencer, SoundFont, Synthesizer, SynthesizerSettings};
use std::io::{self, Cursor};
use std::ops::RangeInclusive;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// The tempo of a song that states none (the corpus keeps none): it suits both POP909's
/// ballads and Nottingham's jigs.
pub const DEFAULT_TEMPO: f64 = 100.0;
/// The tempos a song's own is held within, so that a mistaken one still renders a take of
/// sensible length (between 13 s and 2 min 8 s for the default 256 frames).
pub const TEMPOS: RangeInclusive<f64> = 30.0..=300.0;
/// General MIDI programs: the melody on an acoustic grand piano, the chords on a string
/// ensemble, so the two never blend into one timbre.
pub const MELODY_PROGRAM: u8 = 0;
pub const CHORD_PROGRAM: u8 = 48;
/// Note velocities: the chords softer (three or four voices each), the melody on top.
const MELODY_VELOCITY: f32 = 0.9;
const CHORD_VELOCITY: f32 = 0.45;

pub const SAMPLE_RATE: u32 = 44_100;
/// The synthesiser's master volume: at its default (0.5) the takes peaked near −16 dBFS with
/// TimGM6mb; three times that brings them near −6 dBFS, loud enough to hear, short of clipping.
const MASTER_VOLUME: f32 = 1.5;
/// Seconds rendered after the last event, for the release and the reverb.
const TAIL_SECONDS: f64 = 1.5;
/// Where Debian (timgm6mb-soundfont, fluid-soundfont-gm), Fedora and Arch install SoundFonts.
pub const SOUNDFONT_DIRS: [&str; 3] = ["/usr/share/sounds/sf2", "/usr/share/soundfonts", "/usr/local/share/soundfonts"];
/// The largest SoundFont read (FluidR3_GM is 148 MB).
const SOUNDFONT_BYTES: u64 = 1 << 30;
/// What to do when no SoundFont is found.
pub const INSTALL_HINT: &str = "no SoundFont found, so the renders are MIDI only: install a General MIDI \
    SoundFont (`apt-get install timgm6mb-soundfont`, or fluid-soundfont-gm) or pass --soundfont PATH";

/// What one system played on each song, in the songs' order.
pub struct Played {
    pub system: String,
    pub takes: Vec<FrameTracks>,
}

/// One render written, its paths relative to the evaluation's folder (`/`-separated, as
/// the HTML report links them).
#[derive(Clone, Debug, PartialEq)]
pub struct Render {
    pub system: String,
    pub song: String,
    pub midi: String,
    /// None without a SoundFont.
    pub audio: Option<String>,
}

/// The first General MIDI SoundFont in [`SOUNDFONT_DIRS`]: a distribution's `default-GM.sf2`
/// (the one it prefers) first, then any `.sf2` by name.
pub fn find_soundfont() -> Option<PathBuf> {
    SOUNDFONT_DIRS.iter().map(Path::new).find_map(|dir| {
        let preferred = dir.join("default-GM.sf2");
        if preferred.is_file() {
            return Some(preferred);
        }
        let mut fonts: Vec<PathBuf> = std::fs::read_dir(dir)
            .ok()?
            .filter_map(|e| Some(e.ok()?.path()))
            .filter(|p| p.is_file() && p.extension().is_some_and(|e| e.eq_ignore_ascii_case("sf2")))
            .collect();
        fonts.sort();
        fonts.into_iter().next()
    })
}

/// A SoundFont, loaded once for every render.
pub struct Synth {
    font: Arc<SoundFont>,
}

impl Synth {
    pub fn load(path: &Path) -> io::Result<Synth> {
        let bytes = comper_files::read_limited(path, SOUNDFONT_BYTES)?;
        let font = SoundFont::new(&mut Cursor::new(bytes)).map_err(io::Error::other)?;
        Ok(Synth { font: Arc::new(font) })
    }

    /// A Standard MIDI File played through the SoundFont: a 44.1 kHz stereo 16-bit WAV.
    pub fn wav(&self, midi: &[u8]) -> io::Result<Vec<u8>> {
        let midi = Arc::new(MidiFile::new(&mut Cursor::new(midi)).map_err(io::Error::other)?);
        let settings = SynthesizerSettings::new(SAMPLE_RATE as i32);
        let mut synthesizer = Synthesizer::new(&self.font, &settings).map_err(io::Error::other)?;
        synthesizer.set_master_volume(MASTER_VOLUME);
        let mut sequencer = MidiFileSequencer::new(synthesizer);
        sequencer.play(&midi, false);
        let frames = ((midi.get_length() + TAIL_SECONDS) * f64::from(SAMPLE_RATE)) as usize;
        let (mut left, mut right) = (vec![0.0f32; frames], vec![0.0f32; frames]);
        sequencer.render(&mut left, &mut right);

        let spec = hound::WavSpec {
            channels: 2,
            sample_rate: SAMPLE_RATE,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut bytes = Vec::with_capacity(44 + frames * 4);
        let mut writer = hound::WavWriter::new(Cursor::new(&mut bytes), spec).map_err(io::Error::other)?;
        for (l, r) in left.iter().zip(&right) {
            for sample in [l, r] {
                writer
                    .write_sample((sample.clamp(-1.0, 1.0) * f32::from(i16::MAX)) as i16)
                    .map_err(io::Error::other)?;
            }
        }
        writer.finalize().map_err(io::Error::other)?;
        Ok(bytes)
    }
}

/// A take as the listener hears it: melody and chords on their own instruments and levels,
/// at the song's tempo, if known.
pub fn take(tracks: &FrameTracks, tempo: Option<f64>) -> Take {
    let tempo = tempo.map_or(DEFAULT_TEMPO, |t| t.clamp(*TEMPOS.start(), *TEMPOS.end()));
    let mut take = Take::from_frames(&tracks.melody, &tracks.chords, tempo, Voicing::default(), MELODY_VELOCITY);
    take.chords.iter_mut().filter(|e| e.on).for_each(|e| e.velocity = CHORD_VELOCITY);
    take.programs = Some((MELODY_PROGRAM, CHORD_PROGRAM));
    take
}

/// Write every system's take of every song `ids` (at its tempo in `tempos`, if known) under
/// `out/renders` on `threads` threads: MIDI, and WAV with `synth`. The renders are in the
/// songs' order, then the systems'.
pub fn write_all(
    out: &Path,
    ids: &[String],
    tempos: &[Option<f64>],
    played: &[Played],
    synth: Option<&Synth>,
    threads: usize,
) -> io::Result<Vec<Render>> {
    let folders: Vec<String> =
        ids.iter().enumerate().map(|(i, song)| format!("renders/{}", numbered(i, ids.len(), song))).collect();
    folders.iter().try_for_each(|folder| std::fs::create_dir_all(out.join(folder)))?;
    let jobs: Vec<(usize, usize)> = (0..ids.len())
        .flat_map(|i| (0..played.len()).filter(move |&s| i < played[s].takes.len()).map(move |s| (i, s)))
        .collect();
    let write = |(i, s): (usize, usize)| -> io::Result<Render> {
        let system = &played[s];
        let stem = format!("{}/{}", folders[i], numbered(s, played.len(), &system.system));
        let midi = take(&system.takes[i], tempos[i]).to_midi_bytes()?;
        std::fs::write(out.join(format!("{stem}.mid")), &midi)?;
        let audio = match synth {
            Some(synth) => {
                std::fs::write(out.join(format!("{stem}.wav")), synth.wav(&midi)?)?;
                Some(format!("{stem}.wav"))
            }
            None => None,
        };
        Ok(Render { system: system.system.clone(), song: ids[i].clone(), midi: format!("{stem}.mid"), audio })
    };
    // Synthesis is the slow part (about 45× real time per core): one job per take.
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<io::Result<Render>>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..threads.clamp(1, jobs.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&job) = jobs.get(index) else { return };
                    let render = write(job);
                    results.lock().unwrap_or_else(|e| e.into_inner())[index] = Some(render);
                }
            });
        }
    });
    results.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().map(|r| r.expect("every job ran")).collect()
}

/// `name` made safe as a file name (ASCII letters, digits, `-`, `_`, at most 40 of them),
/// after its 1-based position zero-padded to the width of `count`: positions keep apart
/// the names that come out the same.
fn numbered(index: usize, count: usize, name: &str) -> String {
    let mut safe = String::new();
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() || c == '_' { c.to_ascii_lowercase() } else { '-' };
        if !(c == '-' && (safe.is_empty() || safe.ends_with('-'))) {
            safe.push(c);
        }
    }
    safe.truncate(40);
    let safe = safe.trim_end_matches('-');
    let width = count.to_string().len();
    if safe.is_empty() { format!("{:0width$}", index + 1) } else { format!("{:0width$}-{safe}", index + 1) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, ChordEvent, Note, PitchClass, Quality};
    use midly::{MidiMessage, Smf, TrackEventKind};
    use std::collections::BTreeSet;

    fn song(pitch: u8) -> FrameTracks {
        let melody: Vec<Note> =
            (0..8).map(|b| Note { onset: f64::from(b), offset: f64::from(b) + 0.75, pitch: pitch + b as u8 }).collect();
        let c =
            ChordEvent { onset: 0.0, offset: 8.0, chord: Chord::new(PitchClass::new(0), Quality::Major), bass: None };
        FrameTracks::encode(&melody, &[c])
    }

    fn played() -> (Vec<String>, Vec<Played>) {
        let ids = vec!["pop909/001".to_string(), "../../etc/passwd".to_string()];
        let systems = ["Ground truth", "Online MLE"]
            .map(|system| Played { system: system.into(), takes: vec![song(60), song(64)] })
            .into();
        (ids, systems)
    }

    #[test]
    fn names_stay_inside_their_folder_and_apart() {
        assert_eq!(numbered(0, 12, "pop909/001"), "01-pop909-001");
        assert_eq!(numbered(1, 2, "../../etc/passwd"), "2-etc-passwd");
        assert_eq!(numbered(2, 3, "Online MLE (2)"), "3-online-mle-2");
        assert_eq!(numbered(0, 1, "∅ //"), "1");
        assert_ne!(numbered(0, 2, "a/b"), numbered(1, 2, "a-b"));
    }

    #[test]
    fn a_take_plays_at_its_songs_tempo_held_within_bounds() {
        let tempo = |known| take(&song(60), known).tempo;
        assert_eq!((tempo(Some(72.0)), tempo(None)), (72.0, DEFAULT_TEMPO));
        assert_eq!((tempo(Some(1.0)), tempo(Some(1000.0))), (*TEMPOS.start(), *TEMPOS.end()));
    }

    #[test]
    fn a_midi_per_song_and_system_with_melody_and_chords_on_two_instruments() {
        let out = tempfile::tempdir().unwrap();
        let (ids, played) = played();
        let renders = write_all(out.path(), &ids, &[None, None], &played, None, 3).unwrap();
        let order: Vec<(&str, &str)> = renders.iter().map(|r| (r.song.as_str(), r.system.as_str())).collect();
        assert_eq!(order[..2], [("pop909/001", "Ground truth"), ("pop909/001", "Online MLE")]);
        assert_eq!(renders[3].midi, "renders/2-etc-passwd/2-online-mle.mid");
        for render in &renders {
            assert!(render.midi.starts_with("renders/") && !render.midi.contains(".."), "{}", render.midi);
            assert_eq!(render.audio, None);
            let bytes = std::fs::read(out.path().join(&render.midi)).unwrap();
            let smf = Smf::parse(&bytes).unwrap();
            let mut programs = BTreeSet::new();
            let mut velocities = [BTreeSet::new(), BTreeSet::new()];
            for event in smf.tracks.iter().flatten() {
                if let TrackEventKind::Midi { channel, message } = event.kind {
                    match message {
                        MidiMessage::ProgramChange { program } => {
                            programs.insert((channel.as_int(), program.as_int()));
                        }
                        MidiMessage::NoteOn { vel, .. } if vel > 0 => {
                            velocities[usize::from(channel.as_int())].insert(vel.as_int());
                        }
                        _ => {}
                    }
                }
            }
            assert_eq!(programs, BTreeSet::from([(0, MELODY_PROGRAM), (1, CHORD_PROGRAM)]));
            let (melody, chords) = (&velocities[0], &velocities[1]);
            assert!(!chords.is_empty() && melody.iter().min() > chords.iter().max(), "{velocities:?}");
        }
    }

    #[test]
    fn audio_is_rendered_with_a_soundfont() {
        let Some(font) = find_soundfont() else {
            let why = format!("no SoundFont in {SOUNDFONT_DIRS:?}: install timgm6mb-soundfont");
            assert!(
                std::env::var("COMPER_SOUNDFONT").as_deref() != Ok("required"),
                "{why} (COMPER_SOUNDFONT=required)"
            );
            // Straight to stderr, past the test harness's capture: a skip must be seen.
            let notice =
                format!("the SoundFont test did not run: {why} (COMPER_SOUNDFONT=required makes this a failure)\n");
            let _ = io::Write::write_all(&mut io::stderr(), notice.as_bytes());
            return;
        };
        let out = tempfile::tempdir().unwrap();
        let (ids, played) = played();
        let synth = Synth::load(&font).unwrap();
        let tempos = [Some(120.0), None];
        let renders = write_all(out.path(), &ids, &tempos, &played[..1], Some(&synth), 2).unwrap();
        assert_eq!(renders.len(), 2);
        for (render, tempo) in renders.into_iter().zip([120.0, DEFAULT_TEMPO]) {
            let audio = out.path().join(render.audio.expect("a SoundFont renders audio"));
            let reader = hound::WavReader::open(&audio).unwrap();
            let spec = reader.spec();
            assert_eq!((spec.channels, spec.sample_rate, spec.bits_per_sample), (2, SAMPLE_RATE, 16));
            // 8 beats at the song's tempo, else the default, and the tail.
            let seconds = reader.duration() as f64 / f64::from(SAMPLE_RATE);
            let expected = 8.0 * 60.0 / tempo + TAIL_SECONDS;
            assert!((seconds - expected).abs() < 0.5, "{seconds} s");
            let samples: Vec<i16> = reader.into_samples().map(Result::unwrap).collect();
            let peak = samples.iter().map(|s| s.unsigned_abs()).max().unwrap();
            assert!(peak > 4000 && peak < i16::MAX as u16, "loud enough and not clipped: peak {peak}");
        }
    }
}
