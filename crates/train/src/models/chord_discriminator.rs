//! The GAPT discriminator D(y): a chord track alone → is it real (from the data) or the
//! policy's? It never sees the melody, so it learns a prior of realistic progressions
//! (`docs/method.md` §4.5). Trained from scratch during RL.
//!
//! Chord tracks alone differ most in *when* chords change: the data changes on a beat (94% of
//! chord onsets), the online policy, guessing the next note, often a 16th later. Training
//! windows start on a beat, so with `beat_phase` each frame's place in its beat is added to
//! its embedding, and the discriminator need not count frames to see it.

use super::gru::Gru;
use super::{embed_steps, masked_mean};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use comper_music::FRAMES_PER_BEAT;
use comper_music::token::VOCAB_SIZE;
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChordDiscriminatorConfig {
    pub vocab: usize,
    pub embedding: usize,
    pub hidden: usize,
    /// Add a learned embedding of each frame's place in its beat (absent: off).
    #[serde(default)]
    pub beat_phase: bool,
}

impl Default for ChordDiscriminatorConfig {
    fn default() -> Self {
        ChordDiscriminatorConfig { vocab: VOCAB_SIZE, embedding: 48, hidden: 96, beat_phase: false }
    }
}

impl ChordDiscriminatorConfig {
    pub fn init(&self, device: &Device) -> ChordDiscriminator {
        ChordDiscriminator {
            embedding: EmbeddingConfig::new(self.vocab, self.embedding).init(device),
            phase: self.beat_phase.then(|| EmbeddingConfig::new(FRAMES_PER_BEAT, self.embedding).init(device)),
            gru: Gru::new(self.embedding, self.hidden, 1, device),
            out: LinearConfig::new(self.hidden, 2).init(device),
        }
    }
}

#[derive(Module, Debug)]
pub struct ChordDiscriminator {
    pub embedding: Embedding,
    /// The embedding of a frame's place in its beat, with `beat_phase`.
    pub phase: Option<Embedding>,
    pub gru: Gru,
    pub out: Linear,
}

impl ChordDiscriminator {
    /// Logits `[B, 2]` (generated, real) for `[B, T]` chord tracks.
    pub fn forward(&self, chords: Tensor<2, Int>, mask: Tensor<2>) -> Tensor<2> {
        let [b, _] = chords.dims();
        let device = chords.device();
        let mut steps = embed_steps(&self.embedding, &chords);
        if let Some(phase) = &self.phase {
            for (t, step) in steps.iter_mut().enumerate() {
                let place = Tensor::<2, Int>::full([b, 1], (t % FRAMES_PER_BEAT) as i64, &device);
                *step = step.clone() + phase.forward(place).reshape([b as i32, -1]);
            }
        }
        let states = self.gru.forward(steps, self.gru.zero_state(b, &device));
        self.out.forward(masked_mean(Tensor::stack(states, 1), mask))
    }
}
