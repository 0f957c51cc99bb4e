//! Planning chords ahead of the music, as the seed's live system does (`docs/method.md` §7).
//!
//! The planner keeps the policy's step state after everything that really happened
//! (the chords that sounded and the melody that was played, frame by frame) and from there
//! rolls out a plan of the next `lookahead` frames: chords sampled with the validity mask,
//! the melody they will meet *anticipated* by sampling the model's own melody tokens. The
//! first `commit` frames of a plan are fixed: later plans keep them and only re-sample the
//! frames after.
//!
//! **Warm start.** A policy that has accompanied bars of silence keeps predicting silence,
//! and its first chord is a guess. The seed's live system asks an offline model for "intro"
//! chords of the listening period, feeds them as history and does not play them. Comper
//! does the same with the policy itself: when it first plans past the listening period it
//! scores each major and minor triad as the chord held under the melody heard so far
//! (the policy's likelihood of that melody), and rewrites the silent history as the best
//! one. The first frame after listening always gets a chord onset. A chord for frame `f` is always chosen before the melody of frame `f` is
//! observed, so the model never sees the melody it is accompanying in the same frame.

mod grid;
mod key_lock;
mod react;

use crate::runtime::InferenceError;
use crate::sampler::{Draws, Sampler, Track};
use comper_music::{Chord, ChordId, PitchClass, Quality, Token, TokenKind};
use std::collections::VecDeque;

pub use grid::ChordGrid;
pub use key_lock::KeyLock;
pub use react::{ConditionalChord, ReactSettings};

/// A policy that advances one token at a time from an explicit state.
pub trait StepModel {
    type State: Clone;
    /// The state before any token.
    fn initial_state(&self) -> Self::State;
    /// Feed `token` after `state` (updated in place); returns the next token's logits.
    fn step(&mut self, state: &mut Self::State, token: Token) -> Result<Vec<f32>, InferenceError>;

    /// Feed each of `tokens` after the same `state`, one stream each; returns each stream's
    /// next logits. One by one here; a runtime with batches does them in one call.
    fn step_each(&mut self, state: &Self::State, tokens: &[Token]) -> Result<Vec<Vec<f32>>, InferenceError> {
        tokens.iter().map(|&token| self.step(&mut state.clone(), token)).collect()
    }
}

/// How far ahead to plan and how much of the plan is fixed, in 16th-note frames.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PlanSettings {
    /// Frames planned ahead of the next unobserved frame.
    pub lookahead: u32,
    /// Frames at the start of the plan that later plans keep.
    pub commit: u32,
    /// Frames at the start of a session that stay silent while the accompanist listens.
    pub listen: u32,
    /// Sampling temperature (0 picks the most likely chord).
    pub temperature: f32,
    /// How a frame's chord hears the note of its own frame ([`Planner::conditional`]); none:
    /// only plans, each chord chosen before its frame's note.
    pub react: Option<ReactSettings>,
    /// Where a chord may change; between its lines the sounding chord holds.
    pub grid: ChordGrid,
    /// The key lock: which chords a new chord may be.
    pub key: KeyLock,
}

/// One frame of a plan.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlannedChord {
    /// Frame index from the session's start.
    pub frame: u32,
    pub token: Token,
    /// True when later plans will keep this chord.
    pub committed: bool,
}

pub struct Planner<M: StepModel> {
    model: M,
    sampler: Sampler,
    /// Frames of context the model was trained on; the state is rebuilt from the recent
    /// half of the history before it grows past this.
    window: usize,
    /// What sounded and what was played, per observed frame of the session.
    history: Vec<(Token, Token)>,
    /// State and next-chord logits after the observed history.
    confirmed: M::State,
    confirmed_logits: Vec<f32>,
    frames_in_state: usize,
    /// Chord tokens planned from the next unobserved frame on.
    plan: VecDeque<Token>,
    /// The warm-start chord standing in for silence before frame `.1`, once chosen.
    intro: Option<(ChordId, u32)>,
    /// Where the session's frame 0 falls in its bar.
    first_frame_in_bar: u32,
}

impl<M: StepModel> Planner<M> {
    /// A planner for `model`, trained on windows of `window` frames; call
    /// [`start`](Self::start) before planning.
    pub fn new(mut model: M, window: usize, seed: u64) -> Result<Planner<M>, InferenceError> {
        let mut confirmed = model.initial_state();
        let confirmed_logits = model.step(&mut confirmed, Token::BOS)?;
        Ok(Planner {
            model,
            sampler: Sampler::new(seed),
            window: window.max(2),
            history: Vec::new(),
            confirmed,
            confirmed_logits,
            frames_in_state: 0,
            plan: VecDeque::new(),
            intro: None,
            first_frame_in_bar: 0,
        })
    }

    pub fn model(&self) -> &M {
        &self.model
    }

    pub fn model_mut(&mut self) -> &mut M {
        &mut self.model
    }

    /// A new session at frame 0, which falls at `first_frame_in_bar` of its bar: forget the
    /// history, reseed the sampler.
    pub fn start(&mut self, seed: u64, first_frame_in_bar: u32) -> Result<(), InferenceError> {
        self.sampler = Sampler::new(seed);
        self.history.clear();
        self.plan.clear();
        self.intro = None;
        self.first_frame_in_bar = first_frame_in_bar;
        self.prime(0)
    }

    /// The track the chord of session frame `frame` is drawn on: the entry after listening
    /// is an onset; off the grid the sounding chord holds.
    fn track_at(&self, frame: u32, settings: &PlanSettings) -> Track {
        if frame == settings.listen && frame > 0 {
            Track::Entry
        } else if settings.grid.allows_change(self.first_frame_in_bar.wrapping_add(frame)) {
            Track::Chord
        } else {
            Track::Held
        }
    }

    /// The chords session frame `frame` may take after `before`, with their logits: the
    /// tokens of its track, and under a key lock only onsets of chords in the key.
    fn chord_candidates(
        &self,
        frame: u32,
        settings: &PlanSettings,
        logits: &[f32],
        before: Token,
    ) -> Vec<(Token, f32)> {
        let mut candidates = self.track_at(frame, settings).candidates(logits, before);
        if let Some(key) = settings.key.key_after(self.history.iter().map(|(_, melody)| melody)) {
            candidates.retain(|&(token, _)| match token.kind() {
                TokenKind::ChordOn(chord) => key.holds(chord.chord()),
                _ => true,
            });
        }
        candidates
    }

    /// The melody token of the last observed frame (SILENCE before any).
    pub fn last_melody(&self) -> Token {
        self.history.last().map_or(Token::SILENCE, |f| f.1)
    }

    /// The next frame whose chord and melody have not been observed.
    pub fn next_frame(&self) -> u32 {
        self.history.len() as u32
    }

    /// Record what happened in the next frame: the chord that sounded and the melody
    /// token played. Tokens that break the stream's grammar are repaired (a stray HOLD
    /// becomes an ON, a token of the wrong track becomes SILENCE), so the state always
    /// follows a sequence the model could have produced.
    pub fn observe(&mut self, chord: Token, melody: Token) -> Result<(), InferenceError> {
        let (chord, melody) = self.as_heard(chord, melody);
        self.history.push((chord, melody));
        self.plan.pop_front();
        if self.frames_in_state + 1 >= self.window {
            return self.prime(self.history.len() - self.window / 2);
        }
        self.model.step(&mut self.confirmed, chord)?;
        self.confirmed_logits = self.model.step(&mut self.confirmed, melody)?;
        self.frames_in_state += 1;
        Ok(())
    }

    /// The next frame's tokens as the model hears them: the intro chord while listening,
    /// and tokens that break the stream's grammar repaired.
    fn as_heard(&self, chord: Token, melody: Token) -> (Token, Token) {
        let (last_chord, last_melody) = self.history.last().copied().unwrap_or((Token::SILENCE, Token::SILENCE));
        let chord = match self.intro {
            Some((intro, listen)) if self.next_frame() < listen => Token::chord_hold(intro),
            _ => chord,
        };
        (repair(Track::Chord, last_chord, chord), repair(Track::Melody, last_melody, melody))
    }

    /// Plan the next `settings.lookahead` frames from the next unobserved one, keeping the
    /// committed part of the previous plan.
    pub fn plan(&mut self, settings: &PlanSettings) -> Result<Vec<PlannedChord>, InferenceError> {
        let lookahead = settings.lookahead.max(1) as usize;
        self.warm_start_if_due(settings)?;
        let kept = (settings.commit as usize).min(self.plan.len());
        let (mut chord_before, mut melody_before) =
            self.history.last().copied().unwrap_or((Token::SILENCE, Token::SILENCE));
        let mut state = self.confirmed.clone();
        let mut logits = self.confirmed_logits.clone();
        let first = self.next_frame();
        self.sampler.seek(Draws::Plan, first);
        let mut plan = VecDeque::with_capacity(lookahead);
        for i in 0..lookahead {
            let frame = first + i as u32;
            // While listening nothing sounds, but the model hears the intro chord.
            let (chord, fed) = if frame < settings.listen {
                (Token::SILENCE, self.intro.map_or(Token::SILENCE, |(c, _)| Token::chord_hold(c)))
            } else if i < kept {
                let chord = repair(Track::Chord, chord_before, self.plan[i]);
                (chord, chord)
            } else {
                let candidates = self.chord_candidates(frame, settings, &logits, chord_before);
                let chord = self.sampler.choose(&candidates, settings.temperature);
                (chord, chord)
            };
            plan.push_back(chord);
            if i + 1 == lookahead {
                break;
            }
            let fed = repair(Track::Chord, chord_before, fed);
            let melody_logits = self.model.step(&mut state, fed)?;
            let melody = self.sampler.sample(&melody_logits, settings.temperature, Track::Melody, melody_before);
            logits = self.model.step(&mut state, melody)?;
            (chord_before, melody_before) = (fed, melody);
        }
        self.plan = plan;
        let committed = settings.commit as usize;
        Ok(self
            .plan
            .iter()
            .enumerate()
            .map(|(i, &token)| PlannedChord { frame: first + i as u32, token, committed: i < committed })
            .collect())
    }

    /// The warm start, once the frames planned reach the first chord after listening.
    fn warm_start_if_due(&mut self, settings: &PlanSettings) -> Result<(), InferenceError> {
        let reaches_entry = self.next_frame() + settings.lookahead.max(1) > settings.listen;
        if self.intro.is_none() && settings.listen > 0 && reaches_entry && self.next_frame() > 0 {
            self.warm_start(settings.listen)?;
        }
        Ok(())
    }

    /// Choose the intro chord that best explains the melody heard so far and rewrite the
    /// (silent) history with it.
    fn warm_start(&mut self, listen: u32) -> Result<(), InferenceError> {
        let mut best: Option<(f32, ChordId)> = None;
        for root in 0..12 {
            for quality in [Quality::Major, Quality::Minor] {
                let chord = ChordId::of(Chord::new(PitchClass::new(root), quality));
                let score = self.melody_log_likelihood(chord)?;
                if best.is_none_or(|(s, _)| score > s) {
                    best = Some((score, chord));
                }
            }
        }
        let Some((_, chord)) = best else { return Ok(()) };
        self.intro = Some((chord, listen));
        for (i, frame) in self.history.iter_mut().enumerate() {
            frame.0 = if i == 0 { Token::chord_on(chord) } else { Token::chord_hold(chord) };
        }
        self.prime(0)
    }

    /// The policy's log-likelihood of the observed melody with `chord` held under it.
    fn melody_log_likelihood(&mut self, chord: ChordId) -> Result<f32, InferenceError> {
        let mut state = self.model.initial_state();
        self.model.step(&mut state, Token::BOS)?;
        let mut total = 0.0;
        for (i, &(_, melody)) in self.history.iter().enumerate() {
            let token = if i == 0 { Token::chord_on(chord) } else { Token::chord_hold(chord) };
            let logits = self.model.step(&mut state, token)?;
            total += log_softmax_at(&logits, melody.id());
            self.model.step(&mut state, melody)?;
        }
        Ok(total)
    }

    /// Rebuild the confirmed state from BOS and the history from frame `from` on (its
    /// first tokens turned into onsets, as training windows start).
    fn prime(&mut self, from: usize) -> Result<(), InferenceError> {
        self.confirmed = self.model.initial_state();
        self.confirmed_logits = self.model.step(&mut self.confirmed, Token::BOS)?;
        for (i, &(chord, melody)) in self.history[from..].iter().enumerate() {
            let (chord, melody) = if i == 0 { (chord.as_onset(), melody.as_onset()) } else { (chord, melody) };
            self.model.step(&mut self.confirmed, chord)?;
            self.confirmed_logits = self.model.step(&mut self.confirmed, melody)?;
        }
        self.frames_in_state = self.history.len() - from;
        Ok(())
    }
}

/// The largest logit and the log of the softmax's denominator after subtracting it.
fn softmax_norm(logits: &[f32]) -> (f32, f32) {
    let top = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let sum: f32 = logits.iter().map(|&l| (l - top).exp()).sum();
    (top, sum.ln())
}

fn log_softmax_at(logits: &[f32], index: usize) -> f32 {
    let (top, log_sum) = softmax_norm(logits);
    logits.get(index).map_or(f32::NEG_INFINITY, |&l| l - top - log_sum)
}

fn log_softmax(logits: &[f32]) -> Vec<f32> {
    let (top, log_sum) = softmax_norm(logits);
    logits.iter().map(|&l| l - top - log_sum).collect()
}

fn repair(track: Track, previous: Token, token: Token) -> Token {
    if track.allows(previous, token) {
        token
    } else if track.allows(previous, token.as_onset()) {
        token.as_onset()
    } else {
        Token::SILENCE
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::spelling::Spelling;
    use comper_music::{ChordId, token::VOCAB_SIZE};

    /// A model whose state is the token history; it favours holding the last chord, else
    /// C major, and anticipates a held C4 in the melody. It counts the tokens it is fed.
    struct Scripted {
        steps: usize,
    }

    impl StepModel for Scripted {
        type State = Vec<Token>;

        fn initial_state(&self) -> Vec<Token> {
            Vec::new()
        }

        fn step(&mut self, state: &mut Vec<Token>, token: Token) -> Result<Vec<f32>, InferenceError> {
            self.steps += 1;
            state.push(token);
            let mut logits = vec![0.0; VOCAB_SIZE];
            let c = ChordId::from_index(0).unwrap();
            for t in [Token::chord_hold(c), Token::note_hold(60)] {
                logits[t.id()] = 20.0;
            }
            for t in [Token::chord_on(c), Token::note_on(60)] {
                logits[t.id()] = 10.0;
            }
            Ok(logits)
        }
    }

    fn settings(lookahead: u32, commit: u32, listen: u32) -> PlanSettings {
        PlanSettings {
            lookahead,
            commit,
            listen,
            temperature: 1.0,
            react: None,
            grid: ChordGrid::Sixteenths,
            key: KeyLock::Any,
        }
    }

    fn planner() -> Planner<Scripted> {
        let mut planner = Planner::new(Scripted { steps: 0 }, 256, 7).unwrap();
        planner.start(7, 0).unwrap();
        planner
    }

    #[test]
    fn listening_frames_are_silent_and_the_plan_then_follows_the_grammar() {
        let mut planner = planner();
        let plan = planner.plan(&settings(16, 4, 8)).unwrap();
        assert_eq!(plan.len(), 16);
        assert!(plan[..8].iter().all(|p| p.token == Token::SILENCE));
        let c = ChordId::from_index(0).unwrap();
        assert_eq!(plan[8].token, Token::chord_on(c), "a HOLD cannot follow SILENCE");
        assert!(plan[9..].iter().all(|p| p.token == Token::chord_hold(c)));
        assert!(plan.iter().enumerate().all(|(i, p)| p.frame == i as u32 && p.committed == (i < 4)));
    }

    #[test]
    fn committed_frames_survive_new_observations() {
        let mut planner = Planner::new(Scripted { steps: 0 }, 256, 3).unwrap();
        planner.start(3, 0).unwrap();
        let hot = PlanSettings { temperature: 50.0, ..settings(8, 4, 0) };
        let first = planner.plan(&hot).unwrap();
        planner.observe(first[0].token, Token::note_on(62)).unwrap();
        let second = planner.plan(&hot).unwrap();
        assert_eq!(second[0].frame, 1);
        // Frames 1..4 were committed in the first plan and are kept.
        assert_eq!(
            first[1..4].iter().map(|p| p.token).collect::<Vec<_>>(),
            second[..3].iter().map(|p| p.token).collect::<Vec<_>>()
        );
    }

    #[test]
    fn a_key_lock_keeps_every_new_chord_in_the_key() {
        let key = Spelling::parse("C").unwrap();
        let mut onsets = std::collections::BTreeSet::new();
        for seed in 0..20 {
            let mut planner = Planner::new(Scripted { steps: 0 }, 256, seed).unwrap();
            planner.start(seed, 0).unwrap();
            let locked = PlanSettings { temperature: 50.0, key: KeyLock::Key(key), ..settings(16, 0, 0) };
            let plan = planner.plan(&locked).unwrap();
            let react = PlanSettings { react: Some(ReactSettings::default()), ..locked };
            let table = planner.conditional(&react).unwrap();
            let answers = (0..128u8).map(|key| table.choose(Token::note_on(key)));
            for token in plan.iter().map(|p| p.token).chain(answers) {
                if let TokenKind::ChordOn(chord) = token.kind() {
                    assert!(key.holds(chord.chord()), "{:?} is not in C", chord.chord());
                    onsets.insert(token);
                }
            }
        }
        assert!(onsets.len() > 5, "hot sampling still varies inside the key: {onsets:?}");
    }

    #[test]
    fn a_frame_costs_one_step_per_token_plus_the_rollout() {
        let mut planner = planner();
        let before = planner.model().steps;
        planner.observe(Token::SILENCE, Token::note_on(60)).unwrap();
        assert_eq!(planner.model().steps - before, 2, "observing a frame feeds two tokens");
        let before = planner.model().steps;
        planner.plan(&settings(16, 16, 0)).unwrap();
        assert_eq!(planner.model().steps - before, 30, "a plan of L frames rolls out 2(L-1) tokens");
    }

    #[test]
    fn the_state_is_rebuilt_before_it_outgrows_the_training_window() {
        let mut planner = Planner::new(Scripted { steps: 0 }, 16, 1).unwrap();
        planner.start(1, 0).unwrap();
        for _ in 0..40 {
            planner.observe(Token::SILENCE, Token::note_on(60)).unwrap();
            assert!(planner.frames_in_state < 16);
        }
        assert_eq!(planner.next_frame(), 40);
    }

    /// Wants another chord onset every frame.
    struct Restless;

    impl StepModel for Restless {
        type State = usize;

        fn initial_state(&self) -> usize {
            0
        }

        fn step(&mut self, fed: &mut usize, _: Token) -> Result<Vec<f32>, InferenceError> {
            *fed += 1;
            let mut logits = vec![0.0; VOCAB_SIZE];
            logits[Token::chord_on(ChordId::from_index(*fed % 7).unwrap()).id()] = 50.0;
            Ok(logits)
        }
    }

    #[test]
    fn chords_change_only_on_the_grid_from_where_the_session_starts() {
        let mut planner = Planner::new(Restless, 256, 1).unwrap();
        let beats = PlanSettings { grid: ChordGrid::Beats, ..settings(12, 0, 0) };
        let onsets = |plan: Vec<PlannedChord>| -> Vec<u32> {
            plan.iter()
                .filter(|p| matches!(p.token.kind(), comper_music::TokenKind::ChordOn(_)))
                .map(|p| p.frame)
                .collect()
        };
        planner.start(1, 0).unwrap();
        assert_eq!(onsets(planner.plan(&beats).unwrap()), [0, 4, 8]);
        planner.start(1, 2).unwrap();
        assert_eq!(onsets(planner.plan(&beats).unwrap()), [2, 6, 10], "frame 0 is the third 16th of its beat");
        planner.start(1, 0).unwrap();
        assert_eq!(onsets(planner.plan(&settings(4, 0, 0)).unwrap()), [0, 1, 2, 3], "sixteenths: any frame");
    }

    /// After a chord token, favours melody notes of that chord.
    struct ChordTones;

    impl StepModel for ChordTones {
        type State = Option<ChordId>;

        fn initial_state(&self) -> Option<ChordId> {
            None
        }

        fn step(&mut self, state: &mut Option<ChordId>, token: Token) -> Result<Vec<f32>, InferenceError> {
            let mut logits = vec![0.0; VOCAB_SIZE];
            if let comper_music::TokenKind::ChordOn(c) | comper_music::TokenKind::ChordHold(c) = token.kind() {
                *state = Some(c);
                for key in 0..128u8 {
                    if c.chord().pitch_classes().contains(PitchClass::of_midi(key)) {
                        logits[Token::note_on(key).id()] = 5.0;
                    }
                }
            }
            Ok(logits)
        }
    }

    #[test]
    fn the_warm_start_holds_the_chord_that_explains_the_melody() {
        let mut planner = Planner::new(ChordTones, 256, 1).unwrap();
        planner.start(1, 0).unwrap();
        for key in [67, 71, 74, 67, 71, 74, 79, 71] {
            planner.observe(Token::SILENCE, Token::note_on(key)).unwrap();
        }
        planner.plan(&settings(12, 12, 16)).unwrap();
        let g = ChordId::of(Chord::new(PitchClass::new(7), Quality::Major));
        assert_eq!(planner.intro, Some((g, 16)));
        assert_eq!(planner.history[0].0, Token::chord_on(g));
        assert!(planner.history[1..].iter().all(|f| f.0 == Token::chord_hold(g)));
        planner.observe(Token::SILENCE, Token::note_on(67)).unwrap();
        assert_eq!(planner.history[8].0, Token::chord_hold(g), "later listening frames keep the intro chord");
    }

    #[test]
    fn stray_holds_in_observations_are_repaired() {
        let mut planner = planner();
        let c = ChordId::from_index(0).unwrap();
        planner.observe(Token::chord_hold(c), Token::note_hold(64)).unwrap();
        assert_eq!(planner.history[0], (Token::chord_on(c), Token::note_on(64)));
        planner.observe(Token::note_on(60), Token::chord_on(c)).unwrap();
        assert_eq!(planner.history[1], (Token::SILENCE, Token::SILENCE));
    }
}
