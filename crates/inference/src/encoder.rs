//! The contrastive reward model's chord tower, exported for evaluation: a whole chord
//! track in, one unit vector out. The Vendi diversity score is computed on these
//! embeddings (`docs/method.md` §5.1), so every system is measured with the same frozen encoder.

use crate::card::{CARD_FORMAT, CardError, TokenLayout, parse_card};
use crate::runtime::{InferenceError, expect_tensor, session};
use comper_music::vocab::{VocabEntry, entries};
use comper_music::{FRAMES_PER_BEAT, Token};
use ndarray::{Array2, Ix2};
use ort::environment::Environment;
use ort::session::Session;
use ort::value::{TensorElementType, TensorRef};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// What an encoder card's `kind` says.
pub const CHORD_ENCODER_KIND: &str = "chord-encoder";

/// The ONNX tensor names of a sequence encoder.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncoderIo {
    /// `int64 [batch, time]`: chord tokens, one per frame.
    pub tokens: String,
    /// `float [batch, time]`: 1 on real frames, 0 on padding.
    pub mask: String,
    /// `float [batch, dimension]`: unit vectors.
    pub embedding: String,
}

impl Default for EncoderIo {
    fn default() -> Self {
        EncoderIo { tokens: "tokens".into(), mask: "mask".into(), embedding: "embedding".into() }
    }
}

/// The card beside an exported encoder.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct EncoderCard {
    pub format: u32,
    pub kind: String,
    pub name: String,
    pub version: String,
    pub description: String,
    pub io: EncoderIo,
    /// Length of the embedding vectors.
    pub dimension: usize,
    pub frames_per_beat: usize,
    /// Sequence length the encoder was trained on, in frames.
    pub window: usize,
    pub tokens: TokenLayout,
    pub vocabulary: Vec<VocabEntry>,
    pub training: serde_json::Value,
    pub metrics: BTreeMap<String, f64>,
    pub command: String,
}

impl EncoderCard {
    pub fn load(path: &Path) -> Result<EncoderCard, CardError> {
        let card: EncoderCard = parse_card(path)?;
        let fail = |reason: String| Err(CardError::Incompatible { name: card.name.clone(), reason });
        if card.format != CARD_FORMAT || card.kind != CHORD_ENCODER_KIND {
            return fail(format!("a {} card of format {}, not a {CHORD_ENCODER_KIND} card", card.kind, card.format));
        }
        if card.frames_per_beat != FRAMES_PER_BEAT || card.tokens != TokenLayout::current() {
            return fail("its frame rate or token layout differs".into());
        }
        if card.vocabulary != entries() {
            return fail("its chord vocabulary differs".into());
        }
        Ok(card)
    }

    pub fn save(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, serde_json::to_string_pretty(self).map_err(std::io::Error::other)?)
    }
}

/// The chord encoder in ONNX Runtime.
pub struct ChordEncoder {
    session: Session,
    card: EncoderCard,
}

impl ChordEncoder {
    /// Load `model.onnx` and `card.json` from `dir`.
    pub fn load(environment: &Environment, dir: &Path) -> Result<ChordEncoder, InferenceError> {
        let model = dir.join("model.onnx");
        let card = EncoderCard::load(&dir.join("card.json"))
            .map_err(|e| InferenceError::Model { path: model.clone(), reason: e.to_string() })?;
        let session = session(environment, &model)?;
        let io = &card.io;
        [
            expect_tensor(session.inputs(), &io.tokens, TensorElementType::Int64),
            expect_tensor(session.inputs(), &io.mask, TensorElementType::Float32),
            expect_tensor(session.outputs(), &io.embedding, TensorElementType::Float32),
        ]
        .into_iter()
        .collect::<Result<(), String>>()
        .map_err(|reason| InferenceError::Contract { path: model.clone(), reason })?;
        Ok(ChordEncoder { session, card })
    }

    pub fn card(&self) -> &EncoderCard {
        &self.card
    }

    /// Unit vectors `[rows, dimension]` of chord tracks (padded to the longest and masked).
    pub fn embed(&mut self, tracks: &[&[Token]]) -> Result<Array2<f32>, InferenceError> {
        let run = |e: ort::Error| InferenceError::Run(e.to_string());
        let width = tracks.iter().map(|t| t.len()).max().unwrap_or(0).max(1);
        let mut tokens = Array2::from_elem((tracks.len(), width), Token::PAD.id() as i64);
        let mut mask = Array2::zeros((tracks.len(), width));
        for (row, track) in tracks.iter().enumerate() {
            for (t, token) in track.iter().enumerate() {
                tokens[[row, t]] = token.id() as i64;
                mask[[row, t]] = 1.0f32;
            }
        }
        let io = &self.card.io;
        let outputs = self
            .session
            .run(ort::inputs![
                io.tokens.as_str() => TensorRef::from_array_view(&tokens).map_err(run)?,
                io.mask.as_str() => TensorRef::from_array_view(&mask).map_err(run)?,
            ])
            .map_err(run)?;
        let embedding = outputs[io.embedding.as_str()].try_extract_array::<f32>().map_err(run)?;
        embedding.into_dimensionality::<Ix2>().map(|e| e.to_owned()).map_err(|e| InferenceError::Run(e.to_string()))
    }
}
