//! Blind A/B comparison of two checkpoints, for evaluators: the two models are put behind the
//! labels A and B at random, the musician switches per take, each take's metrics are logged
//! under its label, and which model was which stays hidden until the reveal. The session log
//! (JSON) and the takes (MIDI, readable by `cargo xtask eval --songs`) are exported together.

use crate::worker::Timeline;
use comper_music::spans::chord_spans;
use comper_music::token::{note_in_chord, sounding_pitch};
use comper_music::{FRAMES_PER_BEAT, FrameTracks, PitchClass, Take, Token, Voicing};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};
use serde::Serialize;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Label {
    A,
    B,
}

impl Label {
    fn index(self) -> usize {
        match self {
            Label::A => 0,
            Label::B => 1,
        }
    }
}

/// What one take under one label measured.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TakeLog {
    pub label: Label,
    pub frames: u32,
    /// Melody notes in the chord, over frames where both sound.
    pub harmony: Option<f32>,
    pub unique_chords: usize,
    pub changes_per_bar: f32,
    /// Mean harmony over the 4 beats after each key change of the melody (its best-fitting
    /// major scale over the last two bars moved), and how many there were.
    pub harmony_after_key_changes: Option<f32>,
    pub key_changes: usize,
    /// The take as played (chords in the default voicing), for export.
    #[serde(skip)]
    pub take: Take,
}

/// A blind session over two model folders.
pub struct BlindSession {
    models: [String; 2],
    /// `behind[label]`: the index into `models` of the model behind A and B.
    behind: [usize; 2],
    revealed: bool,
    /// The label playing, and where its take began (session, frame): a model chosen mid-song
    /// takes the running session over, so a take is the frames since its label was chosen.
    playing: Option<(Label, Option<u32>, u32)>,
    takes: Vec<TakeLog>,
}

/// The exported log; the models and their labels only once revealed.
#[derive(Serialize)]
struct SessionLog<'a> {
    revealed: bool,
    a: Option<&'a str>,
    b: Option<&'a str>,
    takes: Vec<TakeEntry<'a>>,
}

#[derive(Serialize)]
struct TakeEntry<'a> {
    #[serde(flatten)]
    log: &'a TakeLog,
    midi: String,
}

impl BlindSession {
    /// Hide `models` behind A and B in an order drawn from `seed`.
    pub fn new(models: [String; 2], seed: u64) -> BlindSession {
        let swap = ChaCha8Rng::seed_from_u64(seed).random_bool(0.5);
        BlindSession {
            models,
            behind: if swap { [1, 0] } else { [0, 1] },
            revealed: false,
            playing: None,
            takes: Vec::new(),
        }
    }

    /// The model folder to load for `label` (the window sets it without showing it).
    pub fn model_for(&self, label: Label) -> &str {
        &self.models[self.behind[label.index()]]
    }

    /// The label playing now.
    pub fn playing(&self) -> Option<Label> {
        self.playing.map(|(label, ..)| label)
    }

    /// Log the take that was playing (if it had frames) and switch to `label` from here on.
    pub fn switch(&mut self, label: Label, timeline: &Timeline, tempo: f64) {
        self.end_take(timeline, tempo);
        self.playing = Some((label, timeline.session(), timeline.next_frame()));
    }

    /// Log the take that was playing, if it had frames: those since its label was chosen, or
    /// the whole session if a new one started since.
    pub fn end_take(&mut self, timeline: &Timeline, tempo: f64) {
        if let Some((label, session, start)) = self.playing.take() {
            let from = if timeline.session() == session { start } else { 0 };
            if timeline.next_frame() > from {
                self.takes.push(measure(label, timeline, from, tempo));
            }
        }
    }

    pub fn takes(&self) -> &[TakeLog] {
        &self.takes
    }

    pub fn reveal(&mut self) {
        self.revealed = true;
    }

    /// The model behind `label`, once revealed.
    pub fn name_of(&self, label: Label) -> Option<&str> {
        self.revealed.then(|| self.model_for(label))
    }

    /// Write `session.json` and one MIDI file per take into a new folder `name` in `parent`
    /// (`name-2`, … when taken, so two exports never mix); returns the log's path.
    pub fn export(&self, parent: &Path, name: &str) -> std::io::Result<PathBuf> {
        let folder = &comper_files::create_new_dir(parent, name)?;
        let mut takes = Vec::new();
        for (i, log) in self.takes.iter().enumerate() {
            let midi = format!("take-{:02}-{:?}.mid", i + 1, log.label);
            std::fs::write(folder.join(&midi), log.take.to_midi_bytes()?)?;
            takes.push(TakeEntry { log, midi });
        }
        let log = SessionLog { revealed: self.revealed, a: self.name_of(Label::A), b: self.name_of(Label::B), takes };
        let path = folder.join("session.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&log).map_err(std::io::Error::other)?)?;
        Ok(path)
    }
}

/// The metrics of the take that played from frame `from` on.
fn measure(label: Label, timeline: &Timeline, from: u32, tempo: f64) -> TakeLog {
    let FrameTracks { melody, chords } = timeline.tracks_since(from);
    let spans = chord_spans(&chords);
    let bars = melody.len() as f32 / (4 * FRAMES_PER_BEAT) as f32;
    let changes = key_changes(&melody);
    let after: Vec<f32> =
        changes.iter().filter_map(|&f| harmony(&melody, &chords, f, f + 4 * FRAMES_PER_BEAT)).collect();
    TakeLog {
        label,
        frames: melody.len() as u32,
        harmony: harmony(&melody, &chords, 0, melody.len()),
        unique_chords: spans.iter().map(|s| s.chord).collect::<HashSet<_>>().len(),
        changes_per_bar: if bars > 0.0 { spans.len() as f32 / bars } else { 0.0 },
        harmony_after_key_changes: (!after.is_empty()).then(|| after.iter().sum::<f32>() / after.len() as f32),
        key_changes: changes.len(),
        take: Take::from_frames(&melody, &chords, tempo, Voicing::default(), 0.8),
    }
}

/// Note-in-chord ratio over frames `from..to` (clipped).
fn harmony(melody: &[Token], chords: &[Token], from: usize, to: usize) -> Option<f32> {
    let to = to.min(melody.len());
    let hits: Vec<bool> = (from.min(to)..to).filter_map(|f| note_in_chord(melody[f], chords[f])).collect();
    (!hits.is_empty()).then(|| hits.iter().filter(|&&h| h).count() as f32 / hits.len() as f32)
}

/// Frames (on bar lines) where the melody moved to another key: its best-fitting major scale
/// over two bars, estimated at every bar line, settles (twice in a row) on a new tonic.
fn key_changes(melody: &[Token]) -> Vec<usize> {
    let bar = 4 * FRAMES_PER_BEAT;
    let window = 2 * bar;
    let key_of = |frames: &[Token]| -> Option<u8> {
        let pitches: Vec<PitchClass> =
            frames.iter().filter_map(|&t| sounding_pitch(t)).map(PitchClass::of_midi).collect();
        if pitches.len() < FRAMES_PER_BEAT * 2 {
            return None;
        }
        let fit = |tonic: u8| pitches.iter().filter(|p| MAJOR.contains(&((p.index() + 12 - tonic) % 12))).count();
        (0..12).max_by_key(|&t| (fit(t), std::cmp::Reverse(t)))
    };
    let estimates: Vec<(usize, Option<u8>)> =
        (window..=melody.len()).step_by(bar).map(|end| (end - window, key_of(&melody[end - window..end]))).collect();
    let mut settled = None;
    let mut changes = Vec::new();
    for pair in estimates.windows(2) {
        let ((start, key), (_, next)) = (pair[0], pair[1]);
        if key.is_some() && key == next && key != settled {
            if settled.is_some() {
                changes.push(start);
            }
            settled = key;
        }
    }
    changes
}

/// Scale degrees of the major scale, in semitones from the tonic.
const MAJOR: [u8; 7] = [0, 2, 4, 5, 7, 9, 11];

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, ChordId, Quality};

    fn timeline_of(melody: &[Token], chords: &[Token]) -> Timeline {
        let mut timeline = Timeline::default();
        timeline.start(1);
        for (f, (&m, &c)) in melody.iter().zip(chords).enumerate() {
            timeline.record(f as u32, c, m, false);
        }
        timeline
    }

    #[test]
    fn labels_are_hidden_until_revealed_and_drawn_at_random() {
        let models = ["models/gapt".to_string(), "models/online-mle".to_string()];
        let orders: HashSet<&str> = (0..16)
            .map(|seed| BlindSession::new(models.clone(), seed))
            .map(|s| if s.model_for(Label::A) == "models/gapt" { "gapt first" } else { "mle first" })
            .collect();
        assert_eq!(orders.len(), 2, "both assignments occur");

        let mut session = BlindSession::new(models.clone(), 3);
        let take = timeline_of(&[Token::note_on(60); 32], &[Token::SILENCE; 32]);
        let longer = timeline_of(&[Token::note_on(60); 48], &[Token::SILENCE; 48]);
        session.switch(Label::B, &Timeline::default(), 120.0);
        session.switch(Label::A, &take, 120.0);
        session.end_take(&longer, 120.0);
        let logged: Vec<(Label, u32)> = session.takes().iter().map(|t| (t.label, t.frames)).collect();
        assert_eq!(logged, [(Label::B, 32), (Label::A, 16)], "A's take is the frames since A was chosen");
        assert_eq!((session.name_of(Label::A), session.name_of(Label::B)), (None, None));
        let dir = std::env::temp_dir().join(format!("comper-blind-{}", std::process::id()));
        let hidden = session.export(&dir, "blind").unwrap();
        let log = std::fs::read_to_string(&hidden).unwrap();
        assert!(!log.contains("gapt") && !log.contains("online-mle"), "the log hides the models: {log}");
        assert!(hidden.with_file_name("take-01-B.mid").is_file());

        session.reveal();
        let a = session.name_of(Label::A).unwrap().to_string();
        assert!(models.contains(&a) && session.name_of(Label::B) != Some(a.as_str()));
        let revealed = session.export(&dir, "blind").unwrap();
        assert_ne!(revealed.parent(), hidden.parent(), "a second export in the same second has its own folder");
        assert!(std::fs::read_to_string(&revealed).unwrap().contains(&a));
        assert!(!std::fs::read_to_string(&hidden).unwrap().contains(&a), "and leaves the first as it was");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_take_is_measured_and_key_changes_are_found() {
        let c = ChordId::of(Chord::new(PitchClass::new(0), Quality::Major));
        let scale = |tonic: u8| (0..64).map(move |f| Token::note_on(60 + tonic + MAJOR[f / 4 % 7]));
        // Four bars in C, then four in F♯ under unchanged C chords.
        let melody: Vec<Token> = scale(0).chain(scale(6)).collect();
        let chords: Vec<Token> =
            (0..128).map(|f| if f % 16 == 0 { Token::chord_on(c) } else { Token::chord_hold(c) }).collect();
        let log = measure(Label::A, &timeline_of(&melody, &chords), 0, 120.0);
        assert_eq!((log.frames, log.unique_chords, log.changes_per_bar), (128, 1, 1.0));
        assert_eq!(log.key_changes, 1);
        assert!(log.harmony_after_key_changes.unwrap() < log.harmony.unwrap());
    }
}
