//! Learning-rate schedule: linear warm-up, then cosine decay to a floor.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct WarmupCosine {
    pub peak: f64,
    pub warmup_steps: u64,
    pub total_steps: u64,
    /// Final learning rate as a fraction of the peak.
    pub floor: f64,
}

impl WarmupCosine {
    /// The learning rate for optimizer step `step` (0-based).
    pub fn at(&self, step: u64) -> f64 {
        if step < self.warmup_steps {
            return self.peak * (step + 1) as f64 / self.warmup_steps as f64;
        }
        let span = self.total_steps.saturating_sub(self.warmup_steps).max(1) as f64;
        let progress = ((step - self.warmup_steps) as f64 / span).min(1.0);
        let cosine = 0.5 * (1.0 + (std::f64::consts::PI * progress).cos());
        self.peak * (self.floor + (1.0 - self.floor) * cosine)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warms_up_linearly_then_decays_to_the_floor() {
        let s = WarmupCosine { peak: 1e-3, warmup_steps: 10, total_steps: 110, floor: 0.1 };
        assert!((s.at(0) - 1e-4).abs() < 1e-12);
        assert!((s.at(9) - 1e-3).abs() < 1e-12);
        assert!((s.at(10) - 1e-3).abs() < 1e-12);
        assert!((s.at(60) - 0.55e-3).abs() < 1e-12);
        assert!((s.at(110) - 1e-4).abs() < 1e-12);
        assert!(s.at(30) > s.at(31));
    }
}
