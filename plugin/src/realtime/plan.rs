//! The audio thread's copy of the worker's plan: one slot per upcoming frame. Fixed size.

use comper_inference::PlannedChord;

/// Frames the ring holds; more than the longest lookahead (8 beats = 32 frames).
pub const PLAN_CAPACITY: usize = 64;

#[derive(Clone, Copy, Debug)]
pub struct PlanRing {
    slots: [Option<PlannedChord>; PLAN_CAPACITY],
}

impl Default for PlanRing {
    fn default() -> Self {
        PlanRing { slots: [None; PLAN_CAPACITY] }
    }
}

impl PlanRing {
    pub fn clear(&mut self) {
        self.slots = [None; PLAN_CAPACITY];
    }

    /// Take a planned frame, replacing an older plan for it.
    pub fn insert(&mut self, chord: PlannedChord) {
        self.slots[chord.frame as usize % PLAN_CAPACITY] = Some(chord);
    }

    /// The plan for `frame`, if the worker has planned it.
    pub fn get(&self, frame: u32) -> Option<PlannedChord> {
        self.slots[frame as usize % PLAN_CAPACITY].filter(|c| c.frame == frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::Token;

    #[test]
    fn slots_answer_only_for_their_own_frame() {
        let mut ring = PlanRing::default();
        ring.insert(PlannedChord { frame: 3, token: Token::SILENCE, committed: true });
        assert!(ring.get(3).is_some());
        assert!(ring.get(3 + PLAN_CAPACITY as u32).is_none());
        ring.insert(PlannedChord { frame: 3 + PLAN_CAPACITY as u32, token: Token::SILENCE, committed: false });
        assert!(ring.get(3).is_none());
        ring.clear();
        assert!(ring.get(3 + PLAN_CAPACITY as u32).is_none());
    }
}
