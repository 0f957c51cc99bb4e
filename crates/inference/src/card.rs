//! The model card: a JSON file beside each ONNX model that says what it was trained on and
//! how to feed it. A model whose card does not match this build's tokens is refused.

use comper_music::token::VOCAB_SIZE;
use comper_music::vocab::{VocabEntry, entries};
use comper_music::{FRAMES_PER_BEAT, Part, Token};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The card format this build reads and writes.
pub const CARD_FORMAT: u32 = 1;
/// The most a card may hold (a shipped one is about 21 KB, most of it the chord vocabulary).
const CARD_BYTES: u64 = 1 << 20;
/// The most layers, and units per layer, a card may claim: the state is allocated from
/// them before the model says anything (the shipped policy: 2 × 256).
const MOST_LAYERS: usize = 16;
const MOST_UNITS: usize = 8192;

/// The ONNX tensor names of a policy step model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepIo {
    /// `int64 [batch]`: the token entering the model this step.
    pub token: String,
    /// `float [layers, batch, hidden]`: recurrent state before the step.
    pub state: String,
    /// `float [batch, vocab]`: next-token logits.
    pub logits: String,
    /// `float [layers, batch, hidden]`: recurrent state after the step.
    pub new_state: String,
}

impl Default for StepIo {
    fn default() -> Self {
        StepIo { token: "token".into(), state: "state".into(), logits: "logits".into(), new_state: "new_state".into() }
    }
}

/// The recurrent architecture the step model implements.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Architecture {
    pub family: String,
    pub layers: usize,
    pub hidden: usize,
    pub embedding: usize,
}

/// Token ids of the special tokens and the start of each block (see `comper_music::token`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenLayout {
    pub vocab_size: usize,
    pub pad: usize,
    pub bos: usize,
    pub eos: usize,
    pub silence: usize,
    pub note_hold: usize,
    pub note_on: usize,
    pub chord_hold: usize,
    pub chord_on: usize,
}

impl TokenLayout {
    /// The layout this build uses.
    pub fn current() -> TokenLayout {
        let first_chord = comper_music::ChordId::all().next().expect("vocabulary is not empty");
        TokenLayout {
            vocab_size: VOCAB_SIZE,
            pad: Token::PAD.id(),
            bos: Token::BOS.id(),
            eos: Token::EOS.id(),
            silence: Token::SILENCE.id(),
            note_hold: Token::note_hold(0).id(),
            note_on: Token::note_on(0).id(),
            chord_hold: Token::chord_hold(first_chord).id(),
            chord_on: Token::chord_on(first_chord).id(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelCard {
    pub format: u32,
    /// Shown to users ("Online MLE", "GAPT").
    pub name: String,
    pub version: String,
    pub description: String,
    pub architecture: Architecture,
    pub io: StepIo,
    pub frames_per_beat: usize,
    /// The part the model plays (cards without it are chord policies).
    #[serde(default)]
    pub part: Part,
    /// Context the model was trained on, in frames.
    pub window: usize,
    pub tokens: TokenLayout,
    pub vocabulary: Vec<VocabEntry>,
    /// Data, split and optimization settings, as free-form JSON.
    pub training: serde_json::Value,
    pub metrics: BTreeMap<String, f64>,
    /// The command that reproduces the model.
    pub command: String,
}

#[derive(Debug, thiserror::Error)]
pub enum CardError {
    #[error("cannot read model card {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("model card {path} is not valid: {reason}")]
    Invalid { path: PathBuf, reason: String },
    #[error("model {name} does not fit this version of Comper: {reason}")]
    Incompatible { name: String, reason: String },
}

impl ModelCard {
    pub fn load(path: &Path) -> Result<ModelCard, CardError> {
        let card: ModelCard = parse_card(path)?;
        card.check_compatible()?;
        Ok(card)
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, serde_json::to_string_pretty(self).map_err(std::io::Error::other)?)
    }

    /// Refuse a card whose format, frame rate, token layout or chord vocabulary differ from
    /// this build's: its token ids would mean other things.
    pub fn check_compatible(&self) -> Result<(), CardError> {
        let fail = |reason: String| Err(CardError::Incompatible { name: self.name.clone(), reason });
        if self.format != CARD_FORMAT {
            return fail(format!("card format {} (this build reads {CARD_FORMAT})", self.format));
        }
        if self.frames_per_beat != FRAMES_PER_BEAT {
            return fail(format!("{} frames per beat (Comper uses {FRAMES_PER_BEAT})", self.frames_per_beat));
        }
        if self.tokens != TokenLayout::current() {
            return fail("its token layout differs".into());
        }
        if self.vocabulary != entries() {
            return fail("its chord vocabulary differs".into());
        }
        let a = &self.architecture;
        if a.family != "gru" {
            return fail(format!("architecture '{}' has no step runner", a.family));
        }
        if !(1..=MOST_LAYERS).contains(&a.layers)
            || ![a.hidden, a.embedding].iter().all(|n| (1..=MOST_UNITS).contains(n))
        {
            return fail(format!(
                "{} layers of {} units (embedding {}): at most {MOST_LAYERS} layers of {MOST_UNITS}",
                a.layers, a.hidden, a.embedding
            ));
        }
        Ok(())
    }

    /// Refuse a model that plays another part (a melody agent where a chord policy belongs).
    pub fn check_plays(&self, part: Part) -> Result<(), CardError> {
        if self.part == part {
            return Ok(());
        }
        let reason = format!("it plays the {:?} part, not the {part:?} part", self.part).to_lowercase();
        Err(CardError::Incompatible { name: self.name.clone(), reason })
    }
}

/// A card file as JSON, read as a file from elsewhere (see `comper_files`).
pub(crate) fn parse_card<T: serde::de::DeserializeOwned>(path: &Path) -> Result<T, CardError> {
    let text = comper_files::read_text_limited(path, CARD_BYTES)
        .map_err(|source| CardError::Io { path: path.into(), source })?;
    serde_json::from_str(&text).map_err(|e| CardError::Invalid { path: path.into(), reason: e.to_string() })
}

/// The folders of `models` that hold a chord policy (`card.json` without a `kind`, or of kind
/// `policy`, playing chords), sorted; other models there (the evaluation's chord encoder and
/// melody agent) are left out.
pub fn policy_folders(models: &Path) -> std::io::Result<Vec<PathBuf>> {
    let is_policy = |dir: &Path| {
        let Ok(card) = parse_card::<serde_json::Value>(&dir.join("card.json")) else { return false };
        let kind_ok = card["kind"].is_null() || card["kind"] == "policy";
        kind_ok && (card["part"].is_null() || card["part"] == "chords")
    };
    let mut dirs: Vec<PathBuf> =
        std::fs::read_dir(models)?.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| is_policy(p)).collect();
    dirs.sort();
    Ok(dirs)
}
