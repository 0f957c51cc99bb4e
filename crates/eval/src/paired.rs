//! Paired comparisons. Every system plays the same melodies, so the difference between two
//! is measured song by song, with a bootstrap interval over the songs: narrower than two
//! separate intervals side by side, and what says whether one model beats another. Vendi is a
//! score of a whole set of takes, so its differences get a paired jackknife instead.

use crate::bootstrap;
use crate::diversity::VendiJackknife;
use crate::per_song::SongRow;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// How much higher `a`'s harmony is than `b`'s on the same songs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PairedDifference {
    pub a: String,
    pub b: String,
    /// Songs where both systems have a harmony (the melody and a chord sound together).
    pub songs: usize,
    /// Mean of `a − b` over those songs.
    pub mean: f64,
    /// The 95% bootstrap interval of the mean (percentiles of 2,000 resamples of the songs).
    pub low: f64,
    pub high: f64,
    /// Songs where `a` is higher, and where `b` is.
    pub a_higher: usize,
    pub b_higher: usize,
}

impl PairedDifference {
    /// True when the interval excludes zero.
    pub fn is_clear(&self) -> bool {
        self.low > 0.0 || self.high < 0.0
    }
}

/// Every pair of systems in `rows` (in the order they first appear), compared on per-song
/// harmony; `seed` makes the intervals reproducible.
pub fn harmony_differences(rows: &[SongRow], seed: u64) -> Vec<PairedDifference> {
    let mut systems: Vec<&str> = Vec::new();
    let mut harmony: BTreeMap<(&str, &str), f64> = BTreeMap::new();
    for row in rows {
        if !systems.contains(&row.system.as_str()) {
            systems.push(&row.system);
        }
        if let Some(h) = row.harmony {
            harmony.insert((&row.system, &row.song), h);
        }
    }
    let mut pairs = Vec::new();
    for (i, a) in systems.iter().enumerate() {
        for b in &systems[i + 1..] {
            let differences: Vec<f64> = harmony
                .iter()
                .filter(|((system, _), _)| system == a)
                .filter_map(|((_, song), ha)| Some(ha - harmony.get(&(*b, *song))?))
                .collect();
            if let Some(pair) = compare(a, b, &differences, seed) {
                pairs.push(pair);
            }
        }
    }
    pairs
}

/// How much more varied `a`'s takes are than `b`'s on the same songs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct VendiDifference {
    pub a: String,
    pub b: String,
    /// `a`'s Vendi score minus `b`'s.
    pub difference: f64,
    /// Half the width of its 95% interval (1.96 paired jackknife standard errors).
    pub ci95: f64,
}

impl VendiDifference {
    /// True when the interval excludes zero.
    pub fn is_clear(&self) -> bool {
        self.difference.abs() > self.ci95
    }
}

/// Every pair of `systems` (name, then the chord embedding of its take of each song, in the
/// same song order for all), compared on the Vendi score.
pub fn vendi_differences(systems: &[(String, VendiJackknife)]) -> Vec<VendiDifference> {
    let mut pairs = Vec::new();
    for (i, (a, vendi_a)) in systems.iter().enumerate() {
        for (b, vendi_b) in &systems[i + 1..] {
            if let Some((difference, ci95)) = vendi_a.minus(vendi_b) {
                pairs.push(VendiDifference { a: a.clone(), b: b.clone(), difference, ci95 });
            }
        }
    }
    pairs
}

fn compare(a: &str, b: &str, differences: &[f64], seed: u64) -> Option<PairedDifference> {
    let n = differences.len();
    if n == 0 {
        return None;
    }
    let mean = |songs: &[usize]| Some(songs.iter().map(|&s| differences[s]).sum::<f64>() / n as f64);
    let (low, high) = bootstrap::interval(n, seed, mean)?;
    Some(PairedDifference {
        a: a.into(),
        b: b.into(),
        songs: n,
        mean: differences.iter().sum::<f64>() / n as f64,
        low,
        high,
        a_higher: differences.iter().filter(|&&d| d > 0.0).count(),
        b_higher: differences.iter().filter(|&&d| d < 0.0).count(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(system: &str, song: usize, harmony: f64) -> SongRow {
        SongRow {
            system: system.into(),
            song: format!("song/{song}"),
            harmony: Some(harmony),
            changes_per_bar: 1.0,
            chord_length_entropy: 0.0,
            changes_on_onsets: 1.0,
            unique_chords: 1,
        }
    }

    #[test]
    fn a_system_better_on_every_song_is_clearly_better_and_noise_is_not() {
        // B is A minus 0.1 on every song; C is A plus or minus 0.1, alternating.
        let rows: Vec<SongRow> = (0..40)
            .flat_map(|s| {
                let a = 0.5 + 0.01 * s as f64;
                let noise = if s % 2 == 0 { 0.1 } else { -0.1 };
                [row("A", s, a), row("B", s, a - 0.1), row("C", s, a + noise)]
            })
            .collect();
        let pairs = harmony_differences(&rows, 7);
        let find = |a: &str, b: &str| pairs.iter().find(|p| p.a == a && p.b == b).unwrap();
        let ab = find("A", "B");
        assert!((ab.mean - 0.1).abs() < 1e-9 && ab.is_clear() && ab.low > 0.09, "{ab:?}");
        assert_eq!((ab.songs, ab.a_higher, ab.b_higher), (40, 40, 0));
        let ac = find("A", "C");
        assert!(ac.mean.abs() < 1e-9 && !ac.is_clear(), "{ac:?}");
        assert_eq!(harmony_differences(&rows, 7), pairs, "seeded");
    }

    #[test]
    fn vendi_is_compared_for_every_pair_in_order() {
        let spread: Vec<Vec<f32>> = (0..12).map(|i| vec![(i as f32).cos(), (i as f32).sin()]).collect();
        let alike = vec![vec![1.0f32, 0.0]; 12];
        let of = VendiJackknife::of;
        let systems = vec![("A".to_string(), of(&spread)), ("B".into(), of(&alike)), ("C".into(), of(&spread))];
        let pairs = vendi_differences(&systems);
        let names: Vec<(&str, &str)> = pairs.iter().map(|p| (p.a.as_str(), p.b.as_str())).collect();
        assert_eq!(names, [("A", "B"), ("A", "C"), ("B", "C")]);
        assert!(pairs[0].difference > 0.5 && pairs[0].is_clear(), "{:?}", pairs[0]);
        assert!(!pairs[1].is_clear() && pairs[1].difference == 0.0);
    }

    #[test]
    fn songs_without_a_harmony_on_either_side_are_left_out() {
        let mut rows = vec![row("A", 0, 0.8), row("B", 0, 0.6), row("A", 1, 0.8), row("B", 1, 0.7)];
        rows[3].harmony = None;
        let pair = &harmony_differences(&rows, 1)[0];
        assert_eq!(pair.songs, 1);
        assert!((pair.mean - 0.2).abs() < 1e-9);
    }
}
