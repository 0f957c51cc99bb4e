//! Drawing the next token from the policy's logits: temperature, a validity mask, and a
//! seeded generator so the same seed gives the same chords.

use comper_music::{Part, Token, TokenKind};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Temperatures at or below this pick the most likely allowed token.
const GREEDY_BELOW: f32 = 1e-3;

/// Which track a token is drawn for; each only accepts its own tokens, and a HOLD only
/// after the same chord's or note's ON or HOLD.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Track {
    Chord,
    /// The first chord after listening: an onset, never silence. (After bars of silent
    /// accompaniment a policy trained on songs keeps predicting silence; the seed's live
    /// system breaks the silence with an offline model's warm start instead.)
    Entry,
    /// A frame where the chord may not change: the sounding chord holds, silence stays.
    Held,
    Melody,
}

impl Track {
    /// The track a model playing `part` draws its own tokens on.
    pub fn of(part: Part) -> Track {
        match part {
            Part::Chords => Track::Chord,
            Part::Melody => Track::Melody,
        }
    }

    /// The tokens this track allows after `previous`, each with its logit.
    pub fn candidates(self, logits: &[f32], previous: Token) -> Vec<(Token, f32)> {
        let allowed = |id: usize| Token::from_id(id).filter(|&t| self.allows(previous, t));
        logits.iter().enumerate().filter_map(|(id, &logit)| allowed(id).map(|t| (t, logit))).collect()
    }

    /// Whether `token` may stand on this track after `previous` (the track's last token).
    pub fn allows(self, previous: Token, token: Token) -> bool {
        let on_track = match self {
            Track::Chord => token.is_chord_frame(),
            Track::Entry => matches!(token.kind(), TokenKind::ChordOn(_)),
            Track::Held => {
                matches!(token.kind(), TokenKind::ChordHold(_))
                    || (token == Token::SILENCE && previous == Token::SILENCE)
            }
            Track::Melody => token.is_melody_frame(),
        };
        on_track && token.may_follow(previous)
    }
}

/// What a run of draws is for. Each has a stream of its own, and each frame its own stretch
/// of that stream ([`Sampler::seek`]): the numbers behind a frame's chords depend on the seed
/// and the frame, never on how many draws came before (a plan skipped in a burst, a table
/// the worker was too late to make).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Draws {
    /// A plan made from a frame on.
    Plan = 0,
    /// A frame's conditional table.
    Table = 1,
}

/// Words (32 bits) of a stream each frame owns: room for 32,768 draws.
const WORDS_PER_FRAME: u128 = 1 << 16;

pub struct Sampler {
    rng: ChaCha8Rng,
}

impl Sampler {
    pub fn new(seed: u64) -> Sampler {
        Sampler { rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    /// Draw from now on the numbers of `frame`'s `draws`.
    pub fn seek(&mut self, draws: Draws, frame: u32) {
        self.rng.set_stream(draws as u64);
        self.rng.set_word_pos(u128::from(frame) * WORDS_PER_FRAME);
    }

    /// A token for `track` after `previous`, drawn from `softmax(logits / temperature)`
    /// restricted to the tokens the track allows (every track allows some token).
    pub fn sample(&mut self, logits: &[f32], temperature: f32, track: Track, previous: Token) -> Token {
        self.choose(&track.candidates(logits, previous), temperature)
    }

    /// One of `candidates` (token, logit), drawn from `softmax(logit / temperature)`.
    pub fn choose(&mut self, candidates: &[(Token, f32)], temperature: f32) -> Token {
        let draw = if temperature <= GREEDY_BELOW { 0.0 } else { self.draw() };
        pick(candidates, temperature, draw)
    }

    /// A uniform number in [0, 1) from the seeded generator.
    pub fn draw(&mut self) -> f64 {
        self.rng.random::<f64>()
    }
}

/// The candidate that `draw` (uniform in [0, 1)) selects from `softmax(score / temperature)`;
/// the best one at temperatures at or below [`GREEDY_BELOW`]. SILENCE if there is none.
pub fn pick(candidates: &[(Token, f32)], temperature: f32, draw: f64) -> Token {
    if temperature <= GREEDY_BELOW {
        return candidates
            .iter()
            .fold((Token::SILENCE, f32::NEG_INFINITY), |best, &c| if c.1 > best.1 { c } else { best })
            .0;
    }
    let top = candidates.iter().map(|c| c.1).fold(f32::NEG_INFINITY, f32::max);
    let weights: Vec<f64> = candidates.iter().map(|c| f64::from((c.1 - top) / temperature).exp()).collect();
    let mut draw = draw * weights.iter().sum::<f64>();
    for (candidate, weight) in candidates.iter().zip(&weights) {
        draw -= weight;
        if draw <= 0.0 {
            return candidate.0;
        }
    }
    candidates.last().map_or(Token::SILENCE, |c| c.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{ChordId, token::VOCAB_SIZE};

    fn logits_favouring(token: Token) -> Vec<f32> {
        let mut logits = vec![0.0; VOCAB_SIZE];
        logits[token.id()] = 50.0;
        logits
    }

    #[test]
    fn masked_tokens_are_never_drawn() {
        let c = ChordId::from_index(0).unwrap();
        let d = ChordId::from_index(5).unwrap();
        // The model insists on HOLD(C) after D: invalid, so something else comes out.
        let logits = logits_favouring(Token::chord_hold(c));
        let mut sampler = Sampler::new(1);
        for _ in 0..200 {
            let t = sampler.sample(&logits, 1.0, Track::Chord, Token::chord_on(d));
            assert!(t.is_chord_frame() && t != Token::chord_hold(c));
        }
        assert_eq!(sampler.sample(&logits, 1.0, Track::Chord, Token::chord_on(c)), Token::chord_hold(c));
    }

    #[test]
    fn melody_positions_get_melody_tokens() {
        let logits = logits_favouring(Token::chord_on(ChordId::from_index(3).unwrap()));
        let mut sampler = Sampler::new(2);
        for _ in 0..100 {
            assert!(sampler.sample(&logits, 1.0, Track::Melody, Token::SILENCE).is_melody_frame());
        }
    }

    #[test]
    fn an_entry_is_a_chord_onset_even_when_silence_is_likelier() {
        let logits = logits_favouring(Token::SILENCE);
        let mut sampler = Sampler::new(4);
        for _ in 0..50 {
            let t = sampler.sample(&logits, 1.0, Track::Entry, Token::SILENCE);
            assert!(matches!(t.kind(), TokenKind::ChordOn(_)));
        }
    }

    #[test]
    fn off_the_grid_the_sounding_chord_holds_and_silence_stays() {
        let (c, d) = (ChordId::from_index(0).unwrap(), ChordId::from_index(5).unwrap());
        let logits = logits_favouring(Token::chord_on(d));
        let mut sampler = Sampler::new(5);
        for previous in [Token::chord_on(c), Token::chord_hold(c)] {
            assert_eq!(sampler.sample(&logits, 1.0, Track::Held, previous), Token::chord_hold(c));
        }
        assert_eq!(sampler.sample(&logits, 1.0, Track::Held, Token::SILENCE), Token::SILENCE);
    }

    #[test]
    fn zero_temperature_is_greedy() {
        let g = Token::chord_on(ChordId::from_index(7).unwrap());
        let mut logits = vec![0.0; VOCAB_SIZE];
        logits[g.id()] = 0.5;
        assert_eq!(Sampler::new(3).sample(&logits, 0.0, Track::Chord, Token::SILENCE), g);
    }

    #[test]
    fn the_same_seed_gives_the_same_draws() {
        let logits: Vec<f32> = (0..VOCAB_SIZE).map(|i| (i % 7) as f32 * 0.1).collect();
        let draw = |seed| {
            let mut s = Sampler::new(seed);
            (0..50).map(|_| s.sample(&logits, 1.0, Track::Chord, Token::SILENCE)).collect::<Vec<_>>()
        };
        assert_eq!(draw(9), draw(9));
        assert_ne!(draw(9), draw(10));
    }

    #[test]
    fn a_frame_draws_the_same_numbers_whatever_was_drawn_before() {
        let mut first = Sampler::new(3);
        first.seek(Draws::Plan, 40);
        let expected: Vec<f64> = (0..4).map(|_| first.draw()).collect();
        let mut second = Sampler::new(3);
        for frame in [0, 39, 41] {
            second.seek(Draws::Plan, frame);
            (0..100).for_each(|_| _ = second.draw());
        }
        second.seek(Draws::Plan, 40);
        assert_eq!((0..4).map(|_| second.draw()).collect::<Vec<_>>(), expected);
        second.seek(Draws::Table, 40);
        assert_ne!(second.draw(), expected[0], "another purpose, other numbers");
    }
}
