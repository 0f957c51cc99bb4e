//! Where the bar lines fall on the frame grid: the host's time signature and bar start when
//! it gives them (and their changes, block by block), else bars of 4/4 from the clock's zero.

use comper_music::Meter;

/// The bars of the block being played.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bars {
    pub meter: Meter,
    /// An absolute frame (on the block's clock) that a bar starts on.
    pub downbeat: i64,
}

impl Default for Bars {
    fn default() -> Self {
        Bars { meter: Meter::COMMON, downbeat: 0 }
    }
}

impl Bars {
    /// The host's bars: its meter (4/4 when it gives none) from its bar start, in beats (from
    /// the clock's zero when it gives none).
    pub fn of_host(meter: Option<Meter>, bar_start_beats: Option<f64>) -> Bars {
        let downbeat = bar_start_beats.map_or(0, |beats| (beats * comper_music::FRAMES_PER_BEAT as f64).round() as i64);
        Bars { meter: meter.unwrap_or(Meter::COMMON), downbeat }
    }

    /// Where absolute frame `frame` falls in its bar.
    pub fn frame_in_bar(&self, frame: i64) -> u32 {
        (frame - self.downbeat).rem_euclid(i64::from(self.meter.frames_per_bar())) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bar_lines_follow_the_hosts_meter_and_bar_start() {
        let waltz = Bars::of_host(Meter::from_host(3, 4), Some(6.0));
        assert_eq!([24, 35, 36, 12, 0].map(|f| waltz.frame_in_bar(f)), [0, 11, 0, 0, 0]);
        assert_eq!(waltz.frame_in_bar(-1), 11, "bars run on before the start");
        let unknown = Bars::of_host(None, None);
        assert_eq!([0, 15, 16, 20].map(|f| unknown.frame_in_bar(f)), [0, 15, 0, 4], "4/4 from zero");
    }
}
