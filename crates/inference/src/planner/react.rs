//! Choosing a frame's chord once its melody is known, with zero added latency.
//!
//! A chord-first policy picks the chord of frame `t` before it hears frame `t`'s note, so
//! it changes a frame late, after a note that did not fit. But the note of frame `t` reaches
//! the plugin in the block where it is played, and the model already says how likely each
//! note is under each chord. So before frame `t` the planner prepares a *conditional
//! chord*: the likeliest chords `c` by the policy, each with the melody distribution the
//! policy predicts after it. Once the note `m` is known, the chord is drawn from
//!
//! `log P(c | history) + α · log P(m | history, c)`
//!
//! (noisy-channel re-ranking: the policy's own melody head judges how well `c` explains
//! `m`). The model's state never holds frame `t`'s note before the chord is chosen; the note
//! only selects among choices prepared without it.
//!
//! Once a chord sounds, silence is not a candidate: a silent accompaniment explains a rest
//! perfectly, so the re-ranker would fall silent at every rest in the melody. Before it, a
//! rest may stay silent but a note gets a chord.

use super::{PlanSettings, Planner, StepModel, log_softmax};
use crate::runtime::InferenceError;
use crate::sampler::{Draws, pick};
use comper_music::Token;
use serde::{Deserialize, Serialize};

/// How the chord of a frame hears its note.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct ReactSettings {
    /// The likeliest chords (by the policy alone) that are re-ranked.
    pub candidates: usize,
    /// The weight of the melody's likelihood against the chord's prior.
    pub alpha: f32,
}

impl Default for ReactSettings {
    /// 16 candidates cover nearly all of the policy's mass. With chords changing on the beat
    /// (the plugin's default grid), α = 2.5 brings the Online MLE's harmony, changes per bar
    /// and chord lengths nearest the data's (the measurements are in `models/README.md`).
    fn default() -> Self {
        ReactSettings { candidates: 16, alpha: 2.5 }
    }
}

/// The chord of one frame for whatever melody token it meets.
#[derive(Clone, Debug, PartialEq)]
pub struct ConditionalChord {
    /// The session frame it is for.
    pub frame: u32,
    /// Candidates with their prior log-probability; a single one when the frame's chord is
    /// fixed (listening).
    candidates: Vec<(Token, f32)>,
    /// Per candidate, the log-probability of every token as the next melody token.
    melody: Vec<Vec<f32>>,
    alpha: f32,
    temperature: f32,
    /// The frame's one uniform draw: every melody token selects with the same number, so
    /// the choice is a fixed function of the note.
    draw: f64,
}

impl ConditionalChord {
    /// The chord to play when the frame's melody token is `melody`.
    pub fn choose(&self, melody: Token) -> Token {
        // A note always gets a chord when there is one to give: a policy that has heard only
        // silent chords (its entry missed) can find silence likeliest for a long while.
        let give_a_chord = melody != Token::SILENCE && self.candidates.iter().any(|c| c.0 != Token::SILENCE);
        let scored: Vec<(Token, f32)> = self
            .candidates
            .iter()
            .zip(&self.melody)
            .filter(|((chord, _), _)| !(give_a_chord && *chord == Token::SILENCE))
            .map(|(&(chord, prior), melody_log_p)| {
                let likelihood = melody_log_p.get(melody.id()).copied().unwrap_or(f32::NEG_INFINITY);
                (chord, prior + self.alpha * likelihood.max(LOG_P_FLOOR))
            })
            .collect();
        pick(&scored, self.temperature, self.draw)
    }
}

/// A note the model finds impossible still leaves the chord prior in charge.
const LOG_P_FLOOR: f32 = -30.0;

impl<M: StepModel> Planner<M> {
    /// The conditional chord of the next unobserved frame: silent while listening, an onset
    /// on the entry frame, otherwise re-ranked by the note it meets (see the module doc).
    /// Costs one model step per candidate.
    pub fn conditional(&mut self, settings: &PlanSettings) -> Result<ConditionalChord, InferenceError> {
        self.warm_start_if_due(settings)?;
        let chord_before = self.history.last().map_or(Token::SILENCE, |f| f.0);
        let (state, logits) = (self.confirmed.clone(), self.confirmed_logits.clone());
        self.conditional_from(settings, self.next_frame(), state, &logits, chord_before)
    }

    /// The conditional chord of the frame after the next, supposing the next frame sounds
    /// `chord` over `melody` (as they stand at its start): live, the plugin prepares a
    /// frame's table while the frame before it plays. Two more model steps.
    pub fn conditional_after(
        &mut self,
        settings: &PlanSettings,
        chord: Token,
        melody: Token,
    ) -> Result<ConditionalChord, InferenceError> {
        self.warm_start_if_due(settings)?;
        let (chord, melody) = self.as_heard(chord, melody);
        let mut state = self.confirmed.clone();
        self.model.step(&mut state, chord)?;
        let logits = self.model.step(&mut state, melody)?;
        self.conditional_from(settings, self.next_frame() + 1, state, &logits, chord)
    }

    fn conditional_from(
        &mut self,
        settings: &PlanSettings,
        frame: u32,
        state: M::State,
        logits: &[f32],
        chord_before: Token,
    ) -> Result<ConditionalChord, InferenceError> {
        let react = settings.react.unwrap_or_default();
        if frame < settings.listen {
            let silence = vec![(Token::SILENCE, 0.0)];
            let fixed = ConditionalChord {
                frame,
                candidates: silence,
                melody: vec![Vec::new()],
                alpha: 0.0,
                temperature: 0.0,
                draw: 0.0,
            };
            return Ok(fixed);
        }
        let mut allowed = self.chord_candidates(frame, settings, logits, chord_before);
        allowed.retain(|c| c.0 != Token::SILENCE || chord_before == Token::SILENCE);
        let prior = log_softmax(&allowed.iter().map(|c| c.1).collect::<Vec<_>>());
        allowed.iter_mut().zip(prior).for_each(|(c, p)| c.1 = p);
        allowed.sort_by(|a, b| b.1.total_cmp(&a.1));
        allowed.truncate(react.candidates.max(1));
        let chords: Vec<Token> = allowed.iter().map(|c| c.0).collect();
        let melody: Vec<Vec<f32>> =
            self.model.step_each(&state, &chords)?.iter().map(|logits| log_softmax(logits)).collect();
        self.sampler.seek(Draws::Table, frame);
        let draw = self.sampler.draw();
        Ok(ConditionalChord {
            frame,
            candidates: allowed,
            melody,
            alpha: react.alpha,
            temperature: settings.temperature,
            draw,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::planner::{ChordGrid, KeyLock};
    use comper_music::token::VOCAB_SIZE;
    use comper_music::{Chord, ChordId, PitchClass, Quality, TokenKind};

    /// Prefers C major a little over G major and finds silence unlikely; after a chord,
    /// expects that chord's tones.
    struct Ears;

    fn chord(root: i32) -> ChordId {
        ChordId::of(Chord::new(PitchClass::new(root), Quality::Major))
    }

    impl StepModel for Ears {
        type State = ();
        fn initial_state(&self) {}
        fn step(&mut self, _: &mut (), token: Token) -> Result<Vec<f32>, InferenceError> {
            let mut logits = vec![-10.0; VOCAB_SIZE];
            logits[Token::SILENCE.id()] = -20.0;
            logits[Token::chord_on(chord(0)).id()] = 1.0;
            logits[Token::chord_on(chord(7)).id()] = 0.5;
            if let TokenKind::ChordOn(c) = token.kind() {
                for key in 48..84u8 {
                    if c.chord().pitch_classes().contains(PitchClass::of_midi(key)) {
                        logits[Token::note_on(key).id()] = 5.0;
                    }
                }
            }
            Ok(logits)
        }
    }

    fn settings(temperature: f32) -> PlanSettings {
        PlanSettings {
            lookahead: 1,
            commit: 0,
            listen: 0,
            temperature,
            react: Some(ReactSettings::default()),
            grid: ChordGrid::Sixteenths,
            key: KeyLock::Any,
        }
    }

    #[test]
    fn the_note_of_the_frame_chooses_among_the_likely_chords() {
        let mut planner = Planner::new(Ears, 256, 1).unwrap();
        planner.start(1, 0).unwrap();
        let conditional = planner.conditional(&settings(0.0)).unwrap();
        assert_eq!(conditional.choose(Token::note_on(60)), Token::chord_on(chord(0)), "C under C");
        assert_eq!(conditional.choose(Token::note_on(71)), Token::chord_on(chord(7)), "B is G's, not C's");
        assert_eq!(conditional.choose(Token::SILENCE), Token::chord_on(chord(0)), "silence leaves the prior");
        let plain = ReactSettings { alpha: 0.0, ..ReactSettings::default() };
        let conditional = planner.conditional(&PlanSettings { react: Some(plain), ..settings(0.0) }).unwrap();
        assert_eq!(conditional.choose(Token::note_on(71)), Token::chord_on(chord(0)), "α = 0 is the policy");
    }

    #[test]
    fn one_draw_per_frame_makes_the_table_a_function_of_the_note() {
        let mut planner = Planner::new(Ears, 256, 5).unwrap();
        planner.start(5, 0).unwrap();
        let conditional = planner.conditional(&settings(1.0)).unwrap();
        for key in 48..84 {
            let note = Token::note_on(key);
            assert_eq!(conditional.choose(note), conditional.choose(note));
        }
    }

    #[test]
    fn a_table_prepared_during_the_frame_before_is_the_one_after_it() {
        let mut planner = Planner::new(Ears, 256, 1).unwrap();
        planner.start(1, 0).unwrap();
        let (chord, melody) = (Token::chord_on(chord(7)), Token::note_on(67));
        let early = planner.conditional_after(&settings(0.0), chord, melody).unwrap();
        planner.observe(chord, melody).unwrap();
        let late = planner.conditional(&settings(0.0)).unwrap();
        assert_eq!(early.frame, 1);
        for key in 0..128 {
            assert_eq!(early.choose(Token::note_on(key)), late.choose(Token::note_on(key)));
        }
    }

    /// Finds silence a little likelier than C major, and after a silent chord expects a rest;
    /// after C expects a rest or one of C's tones.
    struct Hushed;

    impl StepModel for Hushed {
        type State = ();
        fn initial_state(&self) {}
        fn step(&mut self, _: &mut (), token: Token) -> Result<Vec<f32>, InferenceError> {
            let mut logits = vec![-10.0; VOCAB_SIZE];
            for t in [Token::chord_on(chord(0)), Token::chord_hold(chord(0))] {
                logits[t.id()] = 1.0;
            }
            logits[Token::SILENCE.id()] = 1.5;
            if token == Token::SILENCE {
                logits[Token::SILENCE.id()] = 10.0;
            } else if token.is_chord_frame() {
                (48..84).filter(|&k| [0, 4, 7].contains(&(k % 12))).for_each(|k| logits[Token::note_on(k).id()] = 1.0);
            }
            Ok(logits)
        }
    }

    #[test]
    fn a_rest_in_the_melody_keeps_the_sounding_chord() {
        let mut planner = Planner::new(Hushed, 256, 1).unwrap();
        planner.start(1, 0).unwrap();
        let silent = planner.conditional(&settings(0.0)).unwrap();
        assert_eq!(silent.choose(Token::SILENCE), Token::SILENCE, "before any chord, a rest may stay silent");
        let plain =
            PlanSettings { react: Some(ReactSettings { alpha: 0.0, ..ReactSettings::default() }), ..settings(0.0) };
        let prior_only = planner.conditional(&plain).unwrap();
        assert_eq!(prior_only.choose(Token::note_on(72)), Token::chord_on(chord(0)), "but a note gets a chord");
        planner.observe(Token::chord_on(chord(0)), Token::note_on(60)).unwrap();
        let playing = planner.conditional(&settings(0.0)).unwrap();
        assert_ne!(playing.choose(Token::SILENCE), Token::SILENCE, "a sounding chord does not fall silent at a rest");
    }

    #[test]
    fn listening_frames_stay_silent_and_the_entry_is_an_onset() {
        let mut planner = Planner::new(Ears, 256, 1).unwrap();
        planner.start(1, 0).unwrap();
        let listen = PlanSettings { listen: 2, ..settings(1.0) };
        let conditional = planner.conditional(&listen).unwrap();
        assert_eq!(conditional.choose(Token::note_on(60)), Token::SILENCE);
        planner.observe(Token::SILENCE, Token::note_on(60)).unwrap();
        planner.observe(Token::SILENCE, Token::note_on(64)).unwrap();
        let entry = planner.conditional(&listen).unwrap();
        assert!(matches!(entry.choose(Token::note_on(67)).kind(), TokenKind::ChordOn(_)));
    }
}
