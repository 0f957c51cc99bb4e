//! Co-adaptation (`docs/method.md` §5): each chord policy accompanies a learned melody agent instead of
//! a fixed melody. Both play online, frame by frame, each choosing its own token of a frame
//! before hearing the other's: the chord policy through the plugin's planner, the agent
//! through its own melody-first stream. Harmony is scored on what the two played together.

use comper_inference::{InferenceError, PlanSettings, Planner, Sampler, StepModel, Track};
use comper_music::metrics::Tally;
use comper_music::{FrameTracks, Token};
use serde::{Deserialize, Serialize};

/// The melody agent: a step model over the melody-first stream `BOS x1 y1 x2 y2 …`.
pub struct MelodyAgent<M: StepModel> {
    model: M,
    state: M::State,
    /// The logits of the agent's next melody token.
    logits: Vec<f32>,
    last: Token,
    sampler: Sampler,
}

impl<M: StepModel> MelodyAgent<M> {
    pub fn new(model: M) -> MelodyAgent<M> {
        let state = model.initial_state();
        MelodyAgent { model, state, logits: Vec::new(), last: Token::SILENCE, sampler: Sampler::new(0) }
    }

    /// A new take: a fresh state after BOS, the sampler seeded `seed`.
    pub fn start(&mut self, seed: u64) -> Result<(), InferenceError> {
        self.state = self.model.initial_state();
        self.logits = self.model.step(&mut self.state, Token::BOS)?;
        self.last = Token::SILENCE;
        self.sampler = Sampler::new(seed);
        Ok(())
    }

    /// Play the next frame's melody token.
    pub fn play(&mut self, temperature: f32) -> Result<Token, InferenceError> {
        let note = self.sampler.sample(&self.logits, temperature, Track::Melody, self.last);
        self.model.step(&mut self.state, note)?;
        self.last = note;
        Ok(note)
    }

    /// Hear the chord that sounded in the frame just played.
    pub fn hear(&mut self, chord: Token) -> Result<(), InferenceError> {
        self.logits = self.model.step(&mut self.state, chord)?;
        Ok(())
    }
}

/// A duet of `frames` frames from a cold start: the planner accompanies the agent, the agent
/// answers the chords; `seed` seeds both.
pub fn duet<C: StepModel, M: StepModel>(
    planner: &mut Planner<C>,
    agent: &mut MelodyAgent<M>,
    frames: usize,
    settings: &PlanSettings,
    seed: u64,
) -> Result<FrameTracks, InferenceError> {
    planner.start(seed, 0)?;
    agent.start(seed.rotate_left(32))?;
    let mut take = FrameTracks { melody: Vec::with_capacity(frames), chords: Vec::with_capacity(frames) };
    for _ in 0..frames {
        let chord = planner.plan(settings)?.first().map_or(Token::SILENCE, |p| p.token);
        let note = agent.play(settings.temperature)?;
        planner.observe(chord, note)?;
        agent.hear(chord)?;
        take.melody.push(note);
        take.chords.push(chord);
    }
    Ok(take)
}

/// What a system scored against the melody agent.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CoAdaptation {
    /// The agent (name and version).
    pub agent: String,
    pub duets: usize,
    /// Note-in-chord over every frame of every duet where both sound.
    pub harmony: Option<f64>,
    /// Frames where the agent played a note.
    pub melody_density: f64,
}

impl CoAdaptation {
    pub fn score(agent: &str, duets: &[FrameTracks]) -> CoAdaptation {
        let mut tally = Tally::default();
        for take in duets {
            tally.add(Tally::of(take, 0..take.len()));
        }
        let frames: usize = duets.iter().map(FrameTracks::len).sum();
        let notes =
            duets.iter().flat_map(|t| &t.melody).filter(|t| t.is_melody_frame() && **t != Token::SILENCE).count();
        CoAdaptation {
            agent: agent.into(),
            duets: duets.len(),
            harmony: tally.ratio(),
            melody_density: notes as f64 / frames.max(1) as f64,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::PAPER_PROTOCOL;
    use comper_music::token::VOCAB_SIZE;
    use comper_music::{Chord, ChordId, PitchClass, Quality, TokenKind};

    /// A chord model that always wants C major, and a melody agent that always wants the note
    /// it was told; each records what it was fed.
    struct Wants(Token, Vec<Token>);

    impl StepModel for Wants {
        type State = ();
        fn initial_state(&self) {}
        fn step(&mut self, _: &mut (), token: Token) -> Result<Vec<f32>, InferenceError> {
            self.1.push(token);
            let mut logits = vec![-30.0; VOCAB_SIZE];
            logits[self.0.id()] = 30.0;
            Ok(logits)
        }
    }

    #[test]
    fn the_agent_and_the_policy_hear_each_other_frame_by_frame() {
        let c = Token::chord_on(ChordId::of(Chord::new(PitchClass::new(0), Quality::Major)));
        let mut planner = Planner::new(Wants(c, Vec::new()), 64, 1).unwrap();
        let mut agent = MelodyAgent::new(Wants(Token::note_on(64), Vec::new()));
        let take = duet(&mut planner, &mut agent, 8, &PAPER_PROTOCOL, 5).unwrap();
        assert!(take.chords.iter().all(|t| matches!(t.kind(), TokenKind::ChordOn(_) | TokenKind::ChordHold(_))));
        assert!(take.melody.iter().all(|&t| t == Token::note_on(64)));
        // The agent's stream: BOS, then its note before the chord of every frame.
        let fed = &agent.model.1;
        assert_eq!(fed[0], Token::BOS);
        assert!(fed[1..].chunks(2).zip(&take.chords).all(|(pair, &chord)| pair == [Token::note_on(64), chord]));
        let score = CoAdaptation::score("agent", &[take]);
        assert_eq!((score.harmony, score.melody_density), (Some(1.0), 1.0), "E is in C major");
    }
}
