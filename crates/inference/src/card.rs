//! The model card: a JSON file beside each ONNX model that says what it was trained on and
//! how to feed it. A model whose card does not match this build's tokens is refused.

use comper_music::token::VOCAB_SIZE;
use comper_music::vocab::{VocabEntry, entries};
use comper_music::{FRAMES_PER_BEAT, Part, Token};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The card format this build reads and writes (2: the architecture states its step
/// state's shape, so any family runs without this crate knowing it).
pub const CARD_FORMAT: u32 = 2;
/// The most a card may hold (a shipped one is about 21 KB, most of it the chord vocabulary).
const CARD_BYTES: u64 = 1 << 20;
/// The most floats per stream a card may claim for its step state: the state is allocated
/// from its shape before the model says anything (the shipped GRU: 2 × 256; the
/// transformer's key and value cache: 5 × 16,384).
const MOST_STATE: usize = 1 << 22;

/// The ONNX tensor names of a policy step model.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepIo {
    /// `int64 [batch]`: the token entering the model this step.
    pub token: String,
    /// `float [rows, batch, columns]`: the state before the step ([`Architecture::state`]).
    pub state: String,
    /// `float [batch, vocab]`: next-token logits.
    pub logits: String,
    /// `float [rows, batch, columns]`: the state after the step.
    pub new_state: String,
}

impl Default for StepIo {
    fn default() -> Self {
        StepIo { token: "token".into(), state: "state".into(), logits: "logits".into(), new_state: "new_state".into() }
    }
}

/// The architecture behind the step model. Inference needs only the state's shape: every
/// family keeps what it carries from step to step (a GRU's hidden states, a transformer's
/// key and value cache) in one float tensor, zero before the first token.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Architecture {
    /// The family's name ("gru", "transformer"), which training and export read.
    pub family: String,
    /// Per stream, the state's `[rows, columns]`: the step model takes and returns
    /// `float [rows, batch, columns]`.
    pub state: [usize; 2],
    /// The family's own settings, as training wrote them.
    #[serde(flatten)]
    pub settings: serde_json::Map<String, serde_json::Value>,
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
        let [rows, columns] = self.architecture.state;
        if rows == 0 || columns == 0 || rows.checked_mul(columns).is_none_or(|n| n > MOST_STATE) {
            return fail(format!("a step state of {rows} × {columns} floats per stream: at most {MOST_STATE}"));
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
