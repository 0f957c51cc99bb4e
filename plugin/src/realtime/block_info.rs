//! What the host says about a block, checked before anything is timed by it.
//!
//! Hosts send what they send: a sample rate of 0, a tempo of +∞ or 10¹² BPM, a position of
//! NaN or 10¹⁹ beats. Timed by such values every frame boundary falls on sample 0 and the
//! block never ends, or frame numbers overflow. So a value that is not a number, or absurd,
//! counts as not given; a block whose sample rate cannot time anything plays nothing. A bar
//! start that is not the start of the bar the position is in (Ardour 7.3 sends four beats
//! per bar number, whatever the meter) is not given either: bars then count from zero.

use crate::link::Rendering;
use comper_music::Meter;
use std::ops::RangeInclusive;
use std::time::Duration;

/// Sample rates a block can be timed at (Hz).
const SAMPLE_RATES: RangeInclusive<f32> = 1_000.0..=1_536_000.0;
/// Tempi a block can be timed at (BPM).
const TEMPI: RangeInclusive<f64> = 1.0..=1_000.0;
/// The furthest position (beats, either way) Comper follows: 15 years at 120 BPM, and far
/// inside the range where a frame's sample is exact.
const FURTHEST_BEAT: f64 = 1e9;

/// The host's view of one block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockInfo {
    pub samples: u32,
    pub sample_rate: f32,
    pub playing: bool,
    pub tempo: Option<f64>,
    pub position_beats: Option<f64>,
    pub loop_beats: Option<(f64, f64)>,
    /// The host's time signature, when a frame grid can follow it (see [`Meter::from_host`]).
    pub meter: Option<Meter>,
    /// Where the host's current bar starts, in beats.
    pub bar_start_beats: Option<f64>,
    pub render: Render,
}

/// How the host runs a block, which says whether the audio thread may wait for the worker.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Render {
    /// Live playback: never wait; a chord the worker has not planned in time is a counted
    /// miss and the last chord holds.
    Live,
    /// The host said it renders offline (a bounce, `cargo xtask jam`): wait for the worker,
    /// so the same input and seed give the same chords as any other offline render.
    Offline,
    /// The host did not say so but runs ahead of the clock by twice this (see `pace`): wait
    /// as an offline render does, at most this long in the block.
    Ahead(Duration),
}

impl From<Render> for Rendering {
    fn from(render: Render) -> Rendering {
        match render {
            Render::Live => Rendering::Live,
            Render::Offline => Rendering::Flagged,
            Render::Ahead(_) => Rendering::Detected,
        }
    }
}

impl BlockInfo {
    /// The block with every value checked (see the module doc); `None` when its sample rate
    /// cannot time a block.
    pub fn checked(&self) -> Option<BlockInfo> {
        SAMPLE_RATES.contains(&self.sample_rate).then(|| BlockInfo {
            tempo: self.tempo.and_then(playable_tempo),
            position_beats: self.position_beats.filter(|&beats| followable(beats)),
            loop_beats: self.loop_beats.filter(|&(start, end)| followable(start) && followable(end) && start < end),
            bar_start_beats: self.bar_start_beats.filter(|&beats| followable(beats) && self.holds_position(beats)),
            ..*self
        })
    }
}

impl BlockInfo {
    /// Whether the bar starting at `bar_start` (beats) holds the block's position.
    fn holds_position(&self, bar_start: f64) -> bool {
        let bar = self.meter.unwrap_or_default().beats_per_bar();
        self.position_beats.is_some_and(|at| (bar_start - BAR_SLACK..bar_start + bar + BAR_SLACK).contains(&at))
    }
}

/// How far (beats) a host's bar start and position may disagree by rounding.
const BAR_SLACK: f64 = 1e-6;

/// `tempo` if a block can be timed at it.
pub fn playable_tempo(tempo: f64) -> Option<f64> {
    TEMPI.contains(&tempo).then_some(tempo)
}

fn followable(beats: f64) -> bool {
    beats.abs() <= FURTHEST_BEAT
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block() -> BlockInfo {
        BlockInfo {
            samples: 512,
            sample_rate: 48_000.0,
            playing: true,
            tempo: Some(120.0),
            position_beats: Some(8.0),
            loop_beats: Some((0.0, 16.0)),
            meter: Some(Meter::COMMON),
            bar_start_beats: Some(8.0),
            render: Render::Live,
        }
    }

    #[test]
    fn a_sample_rate_that_cannot_time_a_block_plays_nothing() {
        for rate in [0.0, -48_000.0, f32::NAN, f32::INFINITY, 1e12] {
            assert_eq!(BlockInfo { sample_rate: rate, ..block() }.checked(), None, "{rate}");
        }
        assert_eq!(block().checked(), Some(block()));
    }

    #[test]
    fn absurd_tempi_and_positions_count_as_not_given() {
        for tempo in [0.0, -120.0, f64::NAN, f64::INFINITY, 1e12] {
            assert_eq!(BlockInfo { tempo: Some(tempo), ..block() }.checked().unwrap().tempo, None, "{tempo}");
        }
        for beats in [f64::NAN, f64::NEG_INFINITY, 2.3e18, -1e10] {
            let checked = BlockInfo {
                position_beats: Some(beats),
                loop_beats: Some((0.0, beats)),
                bar_start_beats: Some(beats),
                ..block()
            }
            .checked();
            assert_eq!(checked.unwrap().position_beats, None, "{beats}");
            assert_eq!(checked.unwrap().loop_beats, None, "{beats}");
            assert_eq!(checked.unwrap().bar_start_beats, None, "{beats}");
        }
        assert_eq!(BlockInfo { loop_beats: Some((4.0, 4.0)), ..block() }.checked().unwrap().loop_beats, None);
    }

    #[test]
    fn a_bar_start_that_is_not_the_start_of_the_positions_bar_is_not_believed() {
        let waltz = |position, bar_start| BlockInfo {
            meter: Meter::from_host(3, 4),
            position_beats: Some(position),
            bar_start_beats: Some(bar_start),
            ..block()
        };
        assert_eq!(waltz(4.5, 3.0).checked().unwrap().bar_start_beats, Some(3.0));
        // Ardour 7.3: four beats per bar number, from bar 1.
        assert_eq!(waltz(0.5, 4.0).checked().unwrap().bar_start_beats, None);
        assert_eq!(waltz(4.5, 8.0).checked().unwrap().bar_start_beats, None);
        assert_eq!(waltz(6.5, 3.0).checked().unwrap().bar_start_beats, None);
    }
}
