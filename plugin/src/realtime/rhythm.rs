//! Comping rhythms: when the chord the model chose is struck and how long it rings. The model
//! decides which chord and when it changes (a change is always struck); the rhythm only adds
//! re-strikes and shortens notes, so the model's view of what it played stays the same.

use comper_music::Meter;
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

impl Rhythm {
    /// Whether the pattern strikes the sounding chord again at this frame of a bar of
    /// `meter`: patterns count the meter's beats (three in 3/4, two dotted quarters in 6/8).
    pub fn strikes_at(self, frame_in_bar: u32, meter: Meter) -> bool {
        let beat = meter.beat_frames();
        let and = beat / 2;
        match self {
            Rhythm::Hold => false,
            Rhythm::Beats => frame_in_bar.is_multiple_of(beat),
            Rhythm::Eighths => frame_in_bar.is_multiple_of(2),
            Rhythm::Offbeats => and > 0 && frame_in_bar % beat == and,
            Rhythm::Charleston => frame_in_bar == 0 || (and > 0 && frame_in_bar == beat + and),
        }
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

    /// The frames of one bar of `numerator`/`denominator` that `rhythm` strikes on.
    fn strikes(rhythm: Rhythm, numerator: i32, denominator: i32) -> Vec<u32> {
        let meter = Meter::from_host(numerator, denominator).unwrap();
        (0..meter.frames_per_bar()).filter(|&f| rhythm.strikes_at(f, meter)).collect()
    }

    #[test]
    fn patterns_strike_where_their_names_say() {
        assert!(strikes(Rhythm::Hold, 4, 4).is_empty());
        assert_eq!(strikes(Rhythm::Beats, 4, 4), [0, 4, 8, 12]);
        assert_eq!(strikes(Rhythm::Eighths, 4, 4), [0, 2, 4, 6, 8, 10, 12, 14]);
        assert_eq!(strikes(Rhythm::Offbeats, 4, 4), [2, 6, 10, 14]);
        assert_eq!(strikes(Rhythm::Charleston, 4, 4), [0, 6]);
    }

    #[test]
    fn patterns_count_the_beats_of_the_meter() {
        assert_eq!(strikes(Rhythm::Beats, 3, 4), [0, 4, 8], "a waltz");
        assert_eq!(strikes(Rhythm::Offbeats, 3, 4), [2, 6, 10]);
        assert_eq!(strikes(Rhythm::Beats, 6, 8), [0, 6], "two dotted quarters");
        assert_eq!(strikes(Rhythm::Offbeats, 6, 8), [3, 9]);
        assert_eq!(strikes(Rhythm::Charleston, 6, 8), [0, 9]);
        assert_eq!(strikes(Rhythm::Beats, 2, 2), [0, 8]);
    }
}
