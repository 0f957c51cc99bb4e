//! The percentile bootstrap over songs that every interval of the report uses: a reading
//! recomputed on resamples of the songs (drawn with replacement, seeded), its 2.5th and 97.5th
//! percentiles the interval.

use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Resamples of the songs per interval.
pub const RESAMPLES: usize = 2_000;

/// The 95% interval of `reading` over resamples of `songs` songs (indices into the caller's
/// songs); `None` when no resample gives a reading.
pub fn interval(songs: usize, seed: u64, reading: impl Fn(&[usize]) -> Option<f64>) -> Option<(f64, f64)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut values: Vec<f64> = (0..RESAMPLES)
        .filter_map(|_| reading(&(0..songs).map(|_| rng.random_range(0..songs.max(1))).collect::<Vec<_>>()))
        .collect();
    values.sort_by(f64::total_cmp);
    let percentile =
        |p: f64| values.get(((p * values.len() as f64) as usize).min(values.len().saturating_sub(1))).copied();
    Some((percentile(0.025)?, percentile(0.975)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The mean of `values` over the songs a resample picks.
    fn mean(values: &[f64], songs: &[usize]) -> Option<f64> {
        Some(songs.iter().map(|&s| values[s]).sum::<f64>() / songs.len() as f64)
    }

    #[test]
    fn the_interval_of_a_mean_holds_it_and_narrows_with_agreeing_songs() {
        let spread: Vec<f64> = (0..50).map(|i| f64::from(i % 10)).collect();
        let (low, high) = interval(spread.len(), 3, |songs| mean(&spread, songs)).unwrap();
        assert!(low < 4.5 && 4.5 < high, "{low} {high}");
        let same = vec![2.0; 50];
        assert_eq!(interval(same.len(), 3, |songs| mean(&same, songs)), Some((2.0, 2.0)));
        assert_eq!(interval(0, 3, |_| None), None);
    }
}
