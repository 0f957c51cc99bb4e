//! Rolling the policy out online against melodies (method §4.4): chord positions sampled
//! (with the plugin's sampler and validity mask, so RL trains the distribution the plugin
//! plays), melody positions forced, a whole batch one step at a time from a cold start.

use crate::models::policy::GruPolicy;
use burn::prelude::*;
use burn::tensor::TensorData;
use comper_inference::{Sampler, Track};
use comper_music::Token;
use comper_music::token::VOCAB_SIZE;

/// The chord track the policy plays against each melody (all of one length).
pub fn rollout(
    policy: &GruPolicy,
    melodies: &[&[Token]],
    temperature: f32,
    seed: u64,
    device: &Device,
) -> Vec<Vec<Token>> {
    let b = melodies.len();
    let frames = melodies.first().map_or(0, |m| m.len());
    assert!(melodies.iter().all(|m| m.len() == frames), "rollout melodies must have one length");
    let mut samplers: Vec<Sampler> =
        (0..b as u64).map(|i| Sampler::new(seed.wrapping_mul(1_000_003).wrapping_add(i))).collect();
    let mut state = policy.zero_state(b, device);
    let feed = |tokens: &[Token], state: &mut Tensor<3>| -> Vec<f32> {
        let ids: Vec<i64> = tokens.iter().map(|t| t.id() as i64).collect();
        let (logits, next) = policy.step(Tensor::from_data(TensorData::new(ids, [b]), device), state.clone());
        *state = next;
        logits.into_data().convert::<f32>().try_to_vec::<f32>().expect("float logits")
    };
    let mut logits = feed(&vec![Token::BOS; b], &mut state);
    let mut chords: Vec<Vec<Token>> = vec![Vec::with_capacity(frames); b];
    for f in 0..frames {
        let frame: Vec<Token> = (0..b)
            .map(|i| {
                let previous = chords[i].last().copied().unwrap_or(Token::SILENCE);
                samplers[i].sample(&logits[i * VOCAB_SIZE..(i + 1) * VOCAB_SIZE], temperature, Track::Chord, previous)
            })
            .collect();
        for (track, &chord) in chords.iter_mut().zip(&frame) {
            track.push(chord);
        }
        if f + 1 == frames {
            break;
        }
        feed(&frame, &mut state);
        let melody: Vec<Token> = melodies.iter().map(|m| m[f]).collect();
        logits = feed(&melody, &mut state);
    }
    chords
}
