//! Tells a render from live playback by the clock, for hosts that render without saying so
//! (a freewheeling audio server, a DAW whose offline flag never reaches the plugin).
//!
//! Live, a host can run ahead of the wall clock only by its output buffering: a block's
//! audio is due once the audio before it has played. A render runs ahead without bound.
//! [`RenderPace`] keeps that lead (the audio the host has asked for beyond the wall time
//! that passed) and calls a lead above [`RENDER_LEAD`] a render. The lead is also how long
//! the audio thread may wait for the worker without making the host late; it spends at most
//! half of it, so even a live host that buffers deeply never hears a dropout from Comper.

use super::block_info::Render;
use crate::link::RENDER_LEAD;
use std::time::{Duration, Instant};

/// No single block counts for more than this (a host value of absurd length or rate).
const LONGEST_BLOCK: f64 = 10.0;

#[derive(Clone, Copy, Debug, Default)]
pub struct RenderPace {
    /// Seconds of audio asked for beyond the wall time, after the last block.
    lead: f64,
    last_block: Option<Instant>,
}

impl RenderPace {
    /// A block of `samples` at `sample_rate` arriving at `now`: how the host is running it.
    pub fn block(&mut self, now: Instant, samples: u32, sample_rate: f32) -> Render {
        let elapsed = self.last_block.map_or(0.0, |last| now.saturating_duration_since(last).as_secs_f64());
        self.last_block = Some(now);
        let ahead = (self.lead - elapsed).max(0.0);
        let seconds = f64::from(samples) / f64::from(sample_rate);
        self.lead = ahead + if seconds.is_finite() { seconds.clamp(0.0, LONGEST_BLOCK) } else { 0.0 };
        if ahead > RENDER_LEAD.as_secs_f64() {
            Render::Ahead(Duration::from_secs_f64(ahead / 2.0))
        } else {
            Render::Live
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Feeds blocks of 512 samples at 48 kHz, `gap` apart on the wall clock.
    fn run(pace: &mut RenderPace, start: Instant, blocks: u32, gap: Duration) -> Render {
        (0..blocks).fold(Render::Live, |_, i| pace.block(start + gap * i, 512, 48_000.0))
    }

    #[test]
    fn a_host_in_step_with_the_clock_is_live() {
        let block = Duration::from_secs_f64(512.0 / 48_000.0);
        let mut pace = RenderPace::default();
        assert_eq!(run(&mut pace, Instant::now(), 10_000, block), Render::Live);
        // Jitter: blocks in bursts of four, as a host with a deep buffer sends them.
        let mut pace = RenderPace::default();
        let start = Instant::now();
        for i in 0..4_000u32 {
            let at = start + block * (i / 4 * 4);
            assert_eq!(pace.block(at, 512, 48_000.0), Render::Live);
        }
    }

    #[test]
    fn a_host_faster_than_the_clock_is_a_render_with_half_its_lead_to_wait() {
        let mut pace = RenderPace::default();
        let start = Instant::now();
        // Ten times real time: the lead passes a second after about 1.1 s of audio.
        let tenth = Duration::from_secs_f64(512.0 / 48_000.0 / 10.0);
        assert_eq!(run(&mut pace, start, 100, tenth), Render::Live);
        let Render::Ahead(budget) = run(&mut pace, start + tenth * 100, 900, tenth) else { panic!("a render") };
        let lead = 999.0 * 512.0 / 48_000.0 * 0.9;
        assert!((budget.as_secs_f64() - lead / 2.0).abs() < 0.01, "{budget:?}");
    }

    #[test]
    fn waiting_spends_the_lead() {
        let mut pace = RenderPace::default();
        let start = Instant::now();
        let mut at = start;
        for _ in 0..500 {
            pace.block(at, 512, 48_000.0);
        }
        // 5.3 s of audio in no time; then the plugin waits 5 s before the next block.
        at += Duration::from_secs(5);
        assert_eq!(pace.block(at, 512, 48_000.0), Render::Live, "the lead is spent");
    }

    #[test]
    fn absurd_host_values_count_for_nothing_or_a_bounded_block() {
        let mut pace = RenderPace::default();
        let now = Instant::now();
        for rate in [0.0, -1.0, f32::NAN, f32::INFINITY] {
            pace.block(now, 512, rate);
        }
        assert!(pace.lead <= 2.0 * LONGEST_BLOCK, "{}", pace.lead);
    }
}
