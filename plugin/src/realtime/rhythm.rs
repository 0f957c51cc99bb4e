//! Comping rhythms: when the chord the model chose is struck and how long it rings. The model
//! decides which chord and when it changes (a change is always struck); the rhythm only adds
//! re-strikes and shortens notes, so the model's view of what it played stays the same.

use nice_plug::prelude::Enum;

#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Rhythm {
    /// Strike on a change and ring until the next one.
    #[default]
    Hold,
    /// Re-strike on every beat.
    #[name = "Every beat"]
    Beats,
    /// Re-strike on every eighth note.
    Eighths,
    /// Short stabs on the "and" of every beat.
    Offbeats,
    /// Beat 1 and the "and" of beat 2, short.
    Charleston,
}

/// Frames (16th notes) in a bar of 4/4.
pub const FRAMES_PER_BAR: u32 = comper_music::metrics::FRAMES_PER_BAR as u32;

impl Rhythm {
    /// The frames of a bar the pattern strikes on, as bits.
    fn hits(self) -> u16 {
        match self {
            Rhythm::Hold => 0,
            Rhythm::Beats => 0b0001_0001_0001_0001,
            Rhythm::Eighths => 0b0101_0101_0101_0101,
            Rhythm::Offbeats => 0b0100_0100_0100_0100,
            Rhythm::Charleston => 0b0000_0000_0100_0001,
        }
    }

    /// Whether the pattern strikes the sounding chord again at this frame of the bar.
    pub fn strikes_at(self, frame_in_bar: u32) -> bool {
        self.hits() & (1 << (frame_in_bar % FRAMES_PER_BAR)) != 0
    }

    /// Frames a strike rings before it is released (`None`: until the next strike or change).
    pub fn rings_for(self) -> Option<u32> {
        match self {
            Rhythm::Offbeats => Some(1),
            Rhythm::Charleston => Some(2),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_strike_where_their_names_say() {
        let strikes = |r: Rhythm| (0..FRAMES_PER_BAR).filter(|&f| r.strikes_at(f)).collect::<Vec<_>>();
        assert!(strikes(Rhythm::Hold).is_empty());
        assert_eq!(strikes(Rhythm::Beats), [0, 4, 8, 12]);
        assert_eq!(strikes(Rhythm::Eighths), [0, 2, 4, 6, 8, 10, 12, 14]);
        assert_eq!(strikes(Rhythm::Offbeats), [2, 6, 10, 14]);
        assert_eq!(strikes(Rhythm::Charleston), [0, 6]);
        assert!(Rhythm::Beats.strikes_at(FRAMES_PER_BAR + 4), "every bar alike");
    }
}
