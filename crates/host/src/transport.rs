//! Timeline quantities both formats want but [`TransportInfo`] does not store: bars, seconds and
//! samples derived from the beat position, tempo and time signature. Computed in one place so the
//! CLAP and VST3 hosts tell the plugin the same thing.

use crate::TransportInfo;

impl TransportInfo {
    /// Rejects values that would make the derived quantities meaningless (division by zero).
    pub(crate) fn validate(&self) -> Result<(), String> {
        if !(self.tempo.is_finite() && self.tempo > 0.0) {
            return Err(format!("tempo must be positive, got {}", self.tempo));
        }
        if !self.position_beats.is_finite() {
            return Err(format!("position must be finite, got {}", self.position_beats));
        }
        let (numerator, denominator) = self.time_signature;
        if numerator == 0 || denominator == 0 {
            return Err(format!("time signature must be non-zero, got {numerator}/{denominator}"));
        }
        Ok(())
    }

    /// Quarter notes per bar: a 6/8 bar lasts 3 quarter notes.
    pub(crate) fn beats_per_bar(&self) -> f64 {
        let (numerator, denominator) = self.time_signature;
        f64::from(numerator) * 4.0 / f64::from(denominator)
    }

    /// Zero-based number of the bar containing the block's first sample.
    pub(crate) fn bar_number(&self) -> i32 {
        // Saturating float-to-int conversion is fine: no song has 2^31 bars.
        (self.position_beats / self.beats_per_bar()).floor() as i32
    }

    /// Position in quarter notes of the start of that bar.
    pub(crate) fn bar_start_beats(&self) -> f64 {
        f64::from(self.bar_number()) * self.beats_per_bar()
    }

    /// Seconds from the song start to `beats`, at the (constant) tempo.
    pub(crate) fn seconds_at(&self, beats: f64) -> f64 {
        beats * 60.0 / self.tempo
    }

    /// Sample position of the block's first sample.
    pub(crate) fn position_samples(&self, sample_rate: f64) -> i64 {
        (self.seconds_at(self.position_beats) * sample_rate).round() as i64
    }

    /// Position in quarter notes of the sample `offset` samples into the block.
    pub(crate) fn beats_at_offset(&self, offset: u32, sample_rate: f64) -> f64 {
        self.position_beats + f64::from(offset) / sample_rate * self.tempo / 60.0
    }
}

#[cfg(test)]
mod tests {
    use crate::TransportInfo;

    fn transport(position_beats: f64, time_signature: (u16, u16)) -> TransportInfo {
        TransportInfo { playing: true, tempo: 120.0, position_beats, time_signature, loop_beats: None }
    }

    #[test]
    fn bars_follow_the_time_signature() {
        let four_four = transport(9.5, (4, 4));
        assert_eq!(four_four.beats_per_bar(), 4.0);
        assert_eq!(four_four.bar_number(), 2);
        assert_eq!(four_four.bar_start_beats(), 8.0);

        let six_eight = transport(7.0, (6, 8));
        assert_eq!(six_eight.beats_per_bar(), 3.0);
        assert_eq!(six_eight.bar_number(), 2);
        assert_eq!(six_eight.bar_start_beats(), 6.0);
    }

    #[test]
    fn a_bar_line_starts_its_own_bar() {
        let on_bar_line = transport(4.0, (4, 4));
        assert_eq!(on_bar_line.bar_number(), 1);
        assert_eq!(on_bar_line.bar_start_beats(), 4.0);
    }

    #[test]
    fn seconds_and_samples_follow_the_tempo() {
        let t = transport(3.0, (4, 4));
        assert_eq!(t.seconds_at(3.0), 1.5);
        assert_eq!(t.position_samples(48_000.0), 72_000);
        // Half a second at 120 BPM is one beat.
        assert_eq!(t.beats_at_offset(24_000, 48_000.0), 4.0);
    }

    #[test]
    fn validate_rejects_degenerate_timelines() {
        assert!(transport(0.0, (4, 4)).validate().is_ok());
        assert!(transport(0.0, (0, 4)).validate().is_err());
        assert!(transport(0.0, (4, 0)).validate().is_err());
        assert!(transport(f64::NAN, (4, 4)).validate().is_err());
        let mut stopped_clock = transport(0.0, (4, 4));
        stopped_clock.tempo = 0.0;
        assert!(stopped_clock.validate().is_err());
    }
}
