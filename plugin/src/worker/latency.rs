//! Policy step latency: every step the planner takes is timed, and the recent ones give the
//! p50/p99 the window and the benchmark report.

use comper_inference::{InferenceError, StepModel};
use comper_music::Token;
use std::collections::VecDeque;
use std::time::Instant;

/// Steps remembered for the percentiles.
const RECENT_STEPS: usize = 2048;

/// A [`StepModel`] that times each step.
pub struct Timed<M> {
    pub model: M,
    recent_us: VecDeque<f32>,
}

impl<M> Timed<M> {
    pub fn new(model: M) -> Timed<M> {
        Timed { model, recent_us: VecDeque::with_capacity(RECENT_STEPS) }
    }

    /// The `q` quantile (0..=1) of the recent step times, in milliseconds.
    pub fn quantile_ms(&self, q: f32) -> Option<f32> {
        let mut sorted: Vec<f32> = self.recent_us.iter().copied().collect();
        sorted.sort_by(f32::total_cmp);
        let last = sorted.len().checked_sub(1)?;
        Some(sorted[(q.clamp(0.0, 1.0) * last as f32).round() as usize] / 1000.0)
    }
}

impl<M: StepModel> StepModel for Timed<M> {
    type State = M::State;

    fn initial_state(&self) -> M::State {
        self.model.initial_state()
    }

    fn step(&mut self, state: &mut M::State, token: Token) -> Result<Vec<f32>, InferenceError> {
        let started = Instant::now();
        let logits = self.model.step(state, token);
        if self.recent_us.len() == RECENT_STEPS {
            self.recent_us.pop_front();
        }
        self.recent_us.push_back(started.elapsed().as_secs_f32() * 1e6);
        logits
    }

    /// Batched as the inner model does it (not counted among the steps' latencies).
    fn step_each(&mut self, state: &M::State, tokens: &[Token]) -> Result<Vec<Vec<f32>>, InferenceError> {
        self.model.step_each(state, tokens)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Echo;
    impl StepModel for Echo {
        type State = ();
        fn initial_state(&self) {}
        fn step(&mut self, _: &mut (), _: Token) -> Result<Vec<f32>, InferenceError> {
            Ok(vec![0.0])
        }
    }

    #[test]
    fn quantiles_come_from_the_recorded_steps() {
        let mut timed = Timed::new(Echo);
        assert_eq!(timed.quantile_ms(0.5), None);
        for _ in 0..10 {
            timed.step(&mut (), Token::SILENCE).unwrap();
        }
        let (p50, p99) = (timed.quantile_ms(0.5).unwrap(), timed.quantile_ms(0.99).unwrap());
        assert!(p50 >= 0.0 && p99 >= p50);
    }
}
