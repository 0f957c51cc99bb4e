//! The offline teacher φ(y | x): it sees the whole partner track of a window (a
//! bidirectional GRU encoder) and decodes its own part autoregressively (a GRU fed its
//! previous token and the encoding of the current frame). It is the KL anchor for RL: the
//! chord policy's teacher hears the melody; the melody agent's hears the chords.

use super::gru::Gru;
use super::{embed_step, embed_steps};
use crate::batch::{floats, row_samplers};
use burn::nn::{Embedding, EmbeddingConfig, Linear, LinearConfig};
use burn::prelude::*;
use burn::tensor::TensorData;
use comper_inference::Track;
use comper_music::token::VOCAB_SIZE;
use comper_music::{Part, Token};
use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TeacherConfig {
    pub vocab: usize,
    pub embedding: usize,
    pub encoder_hidden: usize,
    pub decoder_hidden: usize,
}

impl Default for TeacherConfig {
    fn default() -> Self {
        TeacherConfig { vocab: VOCAB_SIZE, embedding: 96, encoder_hidden: 128, decoder_hidden: 256 }
    }
}

impl TeacherConfig {
    pub fn init(&self, device: &Device) -> Teacher {
        Teacher {
            embedding: EmbeddingConfig::new(self.vocab, self.embedding).init(device),
            forward_encoder: Gru::new(self.embedding, self.encoder_hidden, 1, device),
            backward_encoder: Gru::new(self.embedding, self.encoder_hidden, 1, device),
            decoder: Gru::new(self.embedding + 2 * self.encoder_hidden, self.decoder_hidden, 1, device),
            head: LinearConfig::new(self.decoder_hidden, self.vocab).init(device),
        }
    }
}

/// Tracks the offline accompaniment decodes at once.
const BATCH: usize = 64;

#[derive(Module, Debug)]
pub struct Teacher {
    pub embedding: Embedding,
    pub forward_encoder: Gru,
    pub backward_encoder: Gru,
    pub decoder: Gru,
    pub head: Linear,
}

impl Teacher {
    /// Logits `[B, T, V]` of its own part: position t predicts frame t from the whole
    /// partner track and its own frames before t (`own_in`, shifted right behind BOS).
    pub fn forward(&self, partner: Tensor<2, Int>, own_in: Tensor<2, Int>) -> Tensor<3> {
        let [b, t] = partner.dims();
        let device = partner.device();
        let (forward, backward) = self.encode(&partner);
        let inputs = (0..t)
            .zip(forward.into_iter().zip(backward))
            .map(|(i, (f, r))| Tensor::cat(vec![embed_step(&self.embedding, &own_in, i), f, r], 1))
            .collect();
        let outputs = self.decoder.forward(inputs, self.decoder.zero_state(b, &device));
        self.head.forward(Tensor::stack(outputs, 1))
    }

    /// The partner track `[B, T]` read both ways: per frame, the forward encoder's state
    /// after it and the backward encoder's state from the end back to it.
    fn encode(&self, partner: &Tensor<2, Int>) -> (Vec<Tensor<2>>, Vec<Tensor<2>>) {
        let (b, device) = (partner.dims()[0], partner.device());
        let steps = embed_steps(&self.embedding, partner);
        let forward = self.forward_encoder.forward(steps.clone(), self.forward_encoder.zero_state(b, &device));
        let mut backward = self
            .backward_encoder
            .forward(steps.into_iter().rev().collect(), self.backward_encoder.zero_state(b, &device));
        backward.reverse();
        (forward, backward)
    }

    /// Its own part (`part`) against each whole partner track, frame by frame with the
    /// plugin's sampler and validity mask, seeded per track: the offline ceiling of the
    /// evaluation. It hears the partner's future; an online policy never does.
    pub fn accompany(
        &self,
        part: Part,
        partners: &[&[Token]],
        temperature: f32,
        seed: u64,
        device: &Device,
    ) -> Vec<Vec<Token>> {
        // Tracks of one length go through the encoder together.
        let mut order: Vec<usize> = (0..partners.len()).collect();
        order.sort_by_key(|&i| partners[i].len());
        let mut played = vec![Vec::new(); partners.len()];
        for group in order.chunk_by(|&a, &b| partners[a].len() == partners[b].len()) {
            for batch in group.chunks(BATCH) {
                let tracks: Vec<&[Token]> = batch.iter().map(|&i| partners[i]).collect();
                let batch_seed = seed.wrapping_add(batch[0] as u64);
                for (&i, own) in batch.iter().zip(self.accompany_batch(part, &tracks, temperature, batch_seed, device))
                {
                    played[i] = own;
                }
            }
        }
        played
    }

    fn accompany_batch(
        &self,
        part: Part,
        partners: &[&[Token]],
        temperature: f32,
        seed: u64,
        device: &Device,
    ) -> Vec<Vec<Token>> {
        let b = partners.len();
        let frames = partners.first().map_or(0, |p| p.len());
        if frames == 0 {
            return vec![Vec::new(); b];
        }
        let ids = |tokens: &mut dyn Iterator<Item = Token>| tokens.map(|t| t.id() as i64).collect::<Vec<_>>();
        let partner = ids(&mut partners.iter().flat_map(|p| p.iter().copied()));
        let (forward, backward) = self.encode(&Tensor::from_data(TensorData::new(partner, [b, frames]), device));
        let (track, mut samplers) = (Track::of(part), row_samplers(b, seed));
        let mut state = self.decoder.zero_state(b, device);
        let mut previous = vec![Token::BOS; b];
        let mut played: Vec<Vec<Token>> = vec![Vec::with_capacity(frames); b];
        for (f, r) in forward.into_iter().zip(backward) {
            let fed = Tensor::<2, Int>::from_data(TensorData::new(ids(&mut previous.iter().copied()), [b, 1]), device);
            let input = Tensor::cat(vec![embed_step(&self.embedding, &fed, 0), f, r], 1);
            let logits = self.head.forward(self.decoder.step(input, &mut state));
            let logits = floats(logits);
            for (i, own) in played.iter_mut().enumerate() {
                let last = own.last().copied().unwrap_or(Token::SILENCE);
                let token = samplers[i].sample(&logits[i * VOCAB_SIZE..(i + 1) * VOCAB_SIZE], temperature, track, last);
                own.push(token);
                previous[i] = token;
            }
        }
        played
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::FrameTracks;

    #[test]
    fn the_offline_accompaniment_is_a_seeded_well_formed_track_per_melody() {
        let device = Device::flex();
        let teacher = TeacherConfig { embedding: 8, encoder_hidden: 8, decoder_hidden: 8, ..TeacherConfig::default() }
            .init(&device);
        let melodies: Vec<Vec<Token>> = (0..3u8)
            .map(|k| {
                (0..12 + 4 * usize::from(k % 2))
                    .map(|f| if f % 4 == 0 { Token::note_on(60 + k) } else { Token::note_hold(60 + k) })
                    .collect()
            })
            .collect();
        let refs: Vec<&[Token]> = melodies.iter().map(Vec::as_slice).collect();
        let played = teacher.accompany(Part::Chords, &refs, 1.0, 4, &device);
        assert_eq!(played.len(), 3);
        for (melody, chords) in melodies.iter().zip(&played) {
            assert_eq!(chords.len(), melody.len());
            let take = FrameTracks { melody: melody.clone(), chords: chords.clone() };
            assert!(take.decode_chords().is_ok(), "every HOLD follows its ON: {chords:?}");
        }
        assert_eq!(played, teacher.accompany(Part::Chords, &refs, 1.0, 4, &device));
    }
}
