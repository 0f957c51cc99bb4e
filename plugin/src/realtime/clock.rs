//! Where a block lies on the 16th-note frame grid.
//!
//! Positions are in quarter-note beats (the host's `pos_beats`, or Comper's own free-running
//! count); frame `k` starts at beat `k / 4`. A frame boundary is played on the first sample
//! at or after its exact time, so at 120 BPM and 48 kHz every boundary falls on a multiple
//! of 6,000 samples.

use comper_music::FRAMES_PER_BEAT;

/// Rounding slack, in samples, so a boundary computed as 6000.00001 lands on 6000 (CLAP
/// hosts send positions in 31-bit fixed point: 1e-5 samples of error at 48 kHz).
const SAMPLE_EPSILON: f64 = 1e-3;

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BlockClock {
    /// Beat position of the block's first sample.
    pub start_beats: f64,
    pub samples_per_beat: f64,
    pub samples: u32,
}

impl BlockClock {
    pub fn new(start_beats: f64, tempo: f64, sample_rate: f32, samples: u32) -> BlockClock {
        let samples_per_beat = f64::from(sample_rate) * 60.0 / tempo.max(1.0);
        BlockClock { start_beats, samples_per_beat, samples }
    }

    /// The sample offset (from the block start) at which frame `frame` begins; negative if
    /// it began before this block.
    pub fn offset_of_frame(&self, frame: i64) -> i64 {
        self.offset_of_position(frame as f64)
    }

    /// The first sample offset at or after fractional frame position `frames`.
    pub fn offset_of_position(&self, frames: f64) -> i64 {
        let beats = frames / FRAMES_PER_BEAT as f64 - self.start_beats;
        (beats * self.samples_per_beat - SAMPLE_EPSILON).ceil() as i64
    }

    /// The fractional frame position of a sample offset.
    pub fn frame_position(&self, offset: u32) -> f64 {
        (self.start_beats + f64::from(offset) / self.samples_per_beat) * FRAMES_PER_BEAT as f64
    }

    /// The beat position right after the block.
    pub fn end_beats(&self) -> f64 {
        self.start_beats + f64::from(self.samples) / self.samples_per_beat
    }

    /// The clock at the start of the next block, had the music gone on: where what a block
    /// sends before it knows its own timing (a stop's note-offs) took place.
    pub fn following(&self) -> BlockClock {
        BlockClock { start_beats: self.end_beats(), samples: 0, ..*self }
    }
}

/// The first frame that starts on a beat at or after `beats`.
pub fn next_beat_frame(beats: f64) -> i64 {
    (beats - 1e-9).ceil() as i64 * FRAMES_PER_BEAT as i64
}

/// The first frame that starts at or after `beats`.
pub fn next_frame(beats: f64) -> i64 {
    (beats * FRAMES_PER_BEAT as f64 - 1e-9).ceil() as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boundaries_fall_on_exact_samples_at_120_bpm() {
        let clock = BlockClock::new(0.0, 120.0, 48_000.0, 512);
        assert_eq!(clock.offset_of_frame(0), 0);
        assert_eq!(clock.offset_of_frame(1), 6_000);
        let later = BlockClock::new(6_000.0 / 24_000.0, 120.0, 48_000.0, 512);
        assert_eq!(later.offset_of_frame(1), 0, "a boundary on the block's first sample");
    }

    #[test]
    fn odd_rates_round_up_to_the_next_sample() {
        let clock = BlockClock::new(0.0, 137.0, 44_100.0, 8_192);
        let exact: f64 = 44_100.0 * 60.0 / 137.0 / 4.0;
        assert_eq!(clock.offset_of_frame(1), exact.ceil() as i64);
        assert!((clock.frame_position(clock.offset_of_frame(1) as u32) - 1.0).abs() < 1e-3);
    }

    #[test]
    fn sessions_start_on_the_next_beat() {
        assert_eq!(next_beat_frame(0.0), 0);
        assert_eq!(next_beat_frame(0.01), 4);
        assert_eq!(next_beat_frame(3.0), 12);
        assert_eq!(next_frame(0.26), 2);
        assert_eq!(next_frame(0.25), 1);
    }
}
