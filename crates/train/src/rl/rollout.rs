//! Rolling the policy out online against its partner's tracks (`docs/method.md` §4.4): its own
//! positions sampled (with the plugin's sampler and validity mask, so RL trains the
//! distribution the plugin plays), the partner's forced, a whole batch one step at a time
//! from a cold start. The chord policy plays against melodies; the melody agent against
//! chord tracks, its own token first in every frame just the same.

use crate::batch::{floats, row_samplers};
use crate::models::policy::Policy;
use burn::prelude::*;
use burn::tensor::TensorData;
use comper_inference::Track;
use comper_music::token::VOCAB_SIZE;
use comper_music::{Part, Token};

/// The track the policy plays as `part` against each partner track (all of one length).
pub fn rollout(
    policy: &Policy,
    part: Part,
    partners: &[&[Token]],
    temperature: f32,
    seed: u64,
    device: &Device,
) -> Vec<Vec<Token>> {
    let b = partners.len();
    let frames = partners.first().map_or(0, |m| m.len());
    assert!(partners.iter().all(|m| m.len() == frames), "rollout partner tracks must have one length");
    let track = Track::of(part);
    let mut samplers = row_samplers(b, seed);
    let mut state = policy.zero_state(b, device);
    let feed = |tokens: &[Token], state: &mut Tensor<3>| -> Vec<f32> {
        let ids: Vec<i64> = tokens.iter().map(|t| t.id() as i64).collect();
        let (logits, next) = policy.step(Tensor::from_data(TensorData::new(ids, [b]), device), state.clone());
        *state = next;
        floats(logits)
    };
    let mut logits = feed(&vec![Token::BOS; b], &mut state);
    let mut played: Vec<Vec<Token>> = vec![Vec::with_capacity(frames); b];
    for f in 0..frames {
        let frame: Vec<Token> = (0..b)
            .map(|i| {
                let previous = played[i].last().copied().unwrap_or(Token::SILENCE);
                samplers[i].sample(&logits[i * VOCAB_SIZE..(i + 1) * VOCAB_SIZE], temperature, track, previous)
            })
            .collect();
        for (own, &token) in played.iter_mut().zip(&frame) {
            own.push(token);
        }
        if f + 1 == frames {
            break;
        }
        feed(&frame, &mut state);
        let heard: Vec<Token> = partners.iter().map(|p| p[f]).collect();
        logits = feed(&heard, &mut state);
    }
    played
}
