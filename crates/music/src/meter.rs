//! Time signatures, and the bars and beats they put on the 16th-note frame grid. The host's
//! time signature is hostile input like any of its values, so [`Meter::from_host`] takes
//! only what the grid can follow.

use crate::FRAMES_PER_BEAT;
use serde::{Deserialize, Serialize};

/// A time signature.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Meter {
    pub numerator: u8,
    pub denominator: u8,
}

/// The most beats in a bar a host may ask Comper to count.
const MOST_BEATS: i32 = 32;

impl Default for Meter {
    fn default() -> Self {
        Meter::COMMON
    }
}

impl Meter {
    pub const COMMON: Meter = Meter { numerator: 4, denominator: 4 };

    /// The meter a host reports, when bars of it are whole frames: 1 to 32 beats of a
    /// whole, half, quarter, eighth or sixteenth note (`None` for 0/0, 4/3 or −3/4).
    pub fn from_host(numerator: i32, denominator: i32) -> Option<Meter> {
        let whole_frames = matches!(denominator, 1 | 2 | 4 | 8 | 16);
        ((1..=MOST_BEATS).contains(&numerator) && whole_frames)
            .then_some(Meter { numerator: numerator as u8, denominator: denominator as u8 })
    }

    /// Bar length in quarter-note beats (6/8 → 3).
    pub fn beats_per_bar(self) -> f64 {
        f64::from(self.numerator) * 4.0 / f64::from(self.denominator)
    }

    /// Bar length in frames (3/4 → 12, 6/8 → 12, 7/8 → 14); at least one.
    pub fn frames_per_bar(self) -> u32 {
        ((self.beats_per_bar() * FRAMES_PER_BEAT as f64).round() as u32).max(1)
    }

    /// The beat a musician counts, in frames: the dotted quarter in compound meters (6/8,
    /// 9/8, 12/8), else the denominator's note (a quarter in 3/4, a half in 2/2).
    pub fn beat_frames(self) -> u32 {
        let note = (FRAMES_PER_BEAT as u32 * 4 / u32::from(self.denominator.max(1))).max(1);
        let compound = self.denominator >= 8 && self.numerator > 3 && self.numerator.is_multiple_of(3);
        if compound { 3 * note } else { note }
    }
}

/// Where a frame falls: the meter of its bar and the frame's place in the bar.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BarPlace {
    pub meter: Meter,
    /// Frames since the bar's downbeat.
    pub frame: u32,
}

impl BarPlace {
    /// The place of frame `frame` of a take whose bars of `meter` start at its frame 0.
    pub fn counted(meter: Meter, frame: u32) -> BarPlace {
        BarPlace { meter, frame: frame % meter.frames_per_bar() }
    }

    /// The place `frames` later, if the meter holds.
    pub fn after(self, frames: u32) -> BarPlace {
        let bar = u64::from(self.meter.frames_per_bar());
        BarPlace { meter: self.meter, frame: ((u64::from(self.frame) + u64::from(frames)) % bar) as u32 }
    }

    pub fn is_downbeat(self) -> bool {
        self.frame == 0
    }

    pub fn is_beat(self) -> bool {
        self.frame.is_multiple_of(self.meter.beat_frames())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_and_beats_are_counted_as_musicians_count_them() {
        let meter = |n, d| Meter::from_host(n, d).unwrap();
        assert_eq!(meter(6, 8).beats_per_bar(), 3.0);
        let frames = |n, d| (meter(n, d).frames_per_bar(), meter(n, d).beat_frames());
        assert_eq!(frames(4, 4), (16, 4));
        assert_eq!(frames(3, 4), (12, 4));
        assert_eq!(frames(6, 8), (12, 6), "two dotted quarters");
        assert_eq!(frames(12, 8), (24, 6));
        assert_eq!(frames(3, 8), (6, 2), "a waltz in eighths counts eighths");
        assert_eq!(frames(7, 8), (14, 2));
        assert_eq!(frames(2, 2), (16, 8));
        assert_eq!(frames(5, 16), (5, 1));
        let waltz = BarPlace::counted(meter(3, 4), 11);
        assert_eq!((waltz.frame, waltz.after(1).is_downbeat(), waltz.after(5).is_beat()), (11, true, true));
    }

    #[test]
    fn a_host_meter_the_grid_cannot_follow_is_refused() {
        for (n, d) in [(0, 4), (-3, 4), (4, 0), (4, 3), (4, -4), (33, 4), (4, 32), (i32::MAX, i32::MIN)] {
            assert_eq!(Meter::from_host(n, d), None, "{n}/{d}");
        }
    }
}
