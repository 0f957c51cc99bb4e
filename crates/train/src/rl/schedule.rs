//! When the GAPT discriminator learns (`docs/method.md` §4.5): a fixed interval during the warm-up,
//! afterwards only while the policy is fooling it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct DiscriminatorSchedule {
    /// Phase 1 is the PPO updates before this one (paper: 200 of 1,000).
    pub warmup: u64,
    /// Phase 1: one discriminator update every `interval` PPO updates, and at the first
    /// (paper: 5).
    pub interval: u64,
    /// Phase 2: the moving mean of the adversarial reward over this many completed PPO
    /// updates (paper: 3) …
    pub window: usize,
    /// … must exceed this for an update (paper: 1.0, i.e. mean D(y) > 1 − e⁻¹ ≈ 0.63).
    pub threshold: f64,
}

impl DiscriminatorSchedule {
    /// The paper's schedule scaled to `updates` PPO updates: the warm-up stays the first
    /// fifth, and the interval shrinks in proportion (5 per 1,000 updates, at least 1), so
    /// phase 1 keeps the paper's share of discriminator updates.
    pub fn scaled(updates: u64) -> DiscriminatorSchedule {
        DiscriminatorSchedule {
            warmup: updates / 5,
            interval: ((5 * updates) as f64 / 1000.0).round().max(1.0) as u64,
            window: 3,
            threshold: 1.0,
        }
    }

    /// Whether the discriminator learns at PPO update `k` (1-based), given the mean
    /// adversarial reward of every completed update before it.
    pub fn should_update(&self, k: u64, history: &[f64]) -> bool {
        if k < self.warmup {
            return k == 1 || k.is_multiple_of(self.interval.max(1));
        }
        let window = self.window.max(1);
        history.len() >= window
            && history[history.len() - window..].iter().sum::<f64>() / window as f64 > self.threshold
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_papers_schedule_scales_with_the_run() {
        let paper = DiscriminatorSchedule::scaled(1000);
        assert_eq!((paper.warmup, paper.interval, paper.window, paper.threshold), (200, 5, 3, 1.0));
        let ours = DiscriminatorSchedule::scaled(200);
        assert_eq!((ours.warmup, ours.interval), (40, 1));
        let phase_one = (1..=paper.warmup).filter(|&k| paper.should_update(k, &[])).count();
        assert_eq!(phase_one, 40, "k = 1 and every fifth update before 200, as the seed code counts");
    }

    #[test]
    fn after_warm_up_it_learns_only_while_fooled() {
        let s = DiscriminatorSchedule { warmup: 4, interval: 2, window: 3, threshold: 1.0 };
        // A scripted history of mean adversarial rewards, one per completed update.
        let history = [0.7, 0.7, 0.7, 0.7, 1.2, 1.3, 1.4, 0.2, 0.2, 0.2];
        let decisions: Vec<bool> = (1..=11).map(|k| s.should_update(k, &history[..k as usize - 1])).collect();
        // Phase 1 (k < 4): k = 1 and every 2nd, whatever the rewards. Phase 2: the mean of the
        // last 3 must exceed 1: k = 4: 0.7; 5: 0.7; 6: 0.87; 7: 1.07; 8: 1.3; 9: 0.97; 10: 0.6; 11: 0.2.
        let expected = [true, true, false, false, false, false, true, true, false, false, false];
        assert_eq!(decisions, expected);
    }
}
