//! The online runner: a checkpoint accompanies melodies frame by frame through the same
//! [`Planner`] and sampler as the plugin's worker. Cold start: every melody starts a new
//! session. Two protocols:
//! - *strict* (the paper's): before frame `f` it plans from what was observed up to frame
//!   `f − 1`; the chord it plays at `f` is the plan's first; only then is frame `f`'s melody
//!   observed;
//! - *react* (the plugin's conditional chord): the chord of frame `f` is prepared from frames
//!   up to `f − 1` for any note, and frame `f`'s note selects it
//!   ([`Planner::conditional`]); the model's state never holds a later frame.

use comper_inference::{ChordGrid, InferenceError, KeyLock, PlanSettings, Planner, StepModel};
use comper_music::Token;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The paper's protocol: a chord per frame straight from the policy (no lookahead beyond
/// the frame, no listening), temperature 1.
pub const PAPER_PROTOCOL: PlanSettings = PlanSettings {
    lookahead: 1,
    commit: 0,
    listen: 0,
    temperature: 1.0,
    react: None,
    grid: ChordGrid::Sixteenths,
    key: KeyLock::Any,
};

/// The chord track the planner plays against `melody`, from a new session seeded `seed`;
/// with `settings.react`, each chord hears the note of its own frame.
pub fn accompany<M: StepModel>(
    planner: &mut Planner<M>,
    melody: &[Token],
    settings: &PlanSettings,
    seed: u64,
) -> Result<Vec<Token>, InferenceError> {
    planner.start(seed, 0)?;
    let mut chords = Vec::with_capacity(melody.len());
    for &note in melody {
        let chord = match settings.react {
            Some(_) => planner.conditional(settings)?.choose(note),
            None => planner.plan(settings)?.first().map_or(Token::SILENCE, |p| p.token),
        };
        chords.push(chord);
        planner.observe(chord, note)?;
    }
    Ok(chords)
}

/// The session seed of melody `index`: results do not depend on which thread ran it.
pub fn melody_seed(seed: u64, index: usize) -> u64 {
    seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
}

/// Accompany every melody on `threads` threads, each with its own model from `load`;
/// `done` is called after each melody. The result is in the melodies' order.
pub fn accompany_all<M, L>(
    melodies: &[&[Token]],
    threads: usize,
    load: L,
    window: usize,
    settings: &PlanSettings,
    seed: u64,
    done: &(dyn Fn() + Sync),
) -> Result<Vec<Vec<Token>>, InferenceError>
where
    M: StepModel,
    L: Fn() -> Result<M, InferenceError> + Sync,
{
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Vec<Token>>>> = Mutex::new(vec![None; melodies.len()]);
    let worker = || -> Result<(), InferenceError> {
        let mut planner = Planner::new(load()?, window, seed)?;
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(melody) = melodies.get(i) else { return Ok(()) };
            let chords = accompany(&mut planner, melody, settings, melody_seed(seed, i))?;
            results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(chords);
            done();
        }
    };
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads.clamp(1, melodies.len().max(1))).map(|_| scope.spawn(worker)).collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().unwrap_or_else(|_| Err(InferenceError::Run("a runner thread panicked".into()))))
    })?;
    Ok(results.into_inner().unwrap_or_else(|e| e.into_inner()).into_iter().map(Option::unwrap_or_default).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_inference::ReactSettings;
    use comper_music::{ChordId, TokenKind, token::VOCAB_SIZE};

    /// A model that would cheat if it could: its next chord names the last melody note it
    /// was fed (chord index = pitch − 40), and it predicts melody pitch 127 (a note no test
    /// melody has), so anticipated melody is recognisable.
    struct Spy;

    const ANTICIPATED: u8 = 127;

    impl StepModel for Spy {
        type State = Option<u8>;
        fn initial_state(&self) -> Option<u8> {
            None
        }
        fn step(&mut self, state: &mut Option<u8>, token: Token) -> Result<Vec<f32>, InferenceError> {
            if let TokenKind::NoteOn(p) | TokenKind::NoteHold(p) = token.kind() {
                *state = Some(p);
            }
            let mut logits = vec![0.0f32; VOCAB_SIZE];
            logits[Token::note_on(ANTICIPATED).id()] = 50.0;
            let chord = match *state {
                Some(p) if p != ANTICIPATED => usize::from(p - 40),
                _ => 179,
            };
            logits[Token::chord_on(ChordId::from_index(chord).unwrap()).id()] = 50.0;
            Ok(logits)
        }
    }

    /// The melody frame whose note the spy had last seen when it chose `chord`.
    fn seen(chord: Token) -> Option<usize> {
        match chord.kind() {
            TokenKind::ChordOn(c) if c.index() < 179 => Some(c.index()),
            _ => None,
        }
    }

    fn melody() -> Vec<Token> {
        (0..80u8).map(|f| Token::note_on(40 + f)).collect()
    }

    #[test]
    fn the_model_never_sees_the_melody_of_the_frame_it_is_predicting() {
        let melody = melody();
        for settings in [
            PAPER_PROTOCOL,
            PlanSettings {
                lookahead: 8,
                commit: 4,
                listen: 0,
                temperature: 0.0,
                react: None,
                grid: ChordGrid::Sixteenths,
                key: KeyLock::Any,
            },
            PlanSettings {
                lookahead: 16,
                commit: 16,
                listen: 8,
                temperature: 0.0,
                react: None,
                grid: ChordGrid::Sixteenths,
                key: KeyLock::Any,
            },
            PlanSettings { react: Some(ReactSettings::default()), ..PAPER_PROTOCOL },
        ] {
            let mut planner = Planner::new(Spy, 256, 1).unwrap();
            let chords = accompany(&mut planner, &melody, &settings, 3).unwrap();
            assert_eq!(chords.len(), melody.len());
            for (f, &chord) in chords.iter().enumerate() {
                if let Some(k) = seen(chord) {
                    assert!(k < f, "{settings:?}: the chord of frame {f} was chosen after hearing frame {k}");
                }
            }
            // With a chord per frame (strict or react) every chord's state holds the frame
            // just before it: the react protocol's note selects, but never enters the state.
            if settings.lookahead == 1 {
                let answers: Vec<Option<usize>> = chords.iter().map(|&c| seen(c)).collect();
                assert!(answers.iter().enumerate().skip(1).all(|(f, &k)| k == Some(f - 1)), "{answers:?}");
            }
        }
    }

    #[test]
    fn threads_and_seeds_do_not_change_the_result() {
        let tracks: Vec<Vec<Token>> = (0..5).map(|i| melody()[i * 10..i * 10 + 40].to_vec()).collect();
        let melodies: Vec<&[Token]> = tracks.iter().map(Vec::as_slice).collect();
        let count = AtomicUsize::new(0);
        let done = || {
            count.fetch_add(1, Ordering::Relaxed);
        };
        let run = |threads| accompany_all(&melodies, threads, || Ok(Spy), 256, &PAPER_PROTOCOL, 9, &done).unwrap();
        let one = run(1);
        assert_eq!(one, run(3));
        assert_eq!(count.load(Ordering::Relaxed), 10);
        assert_eq!(one[2][1], Token::chord_on(ChordId::from_index(20).unwrap()), "melody 2 starts at pitch 60");
    }
}
