//! Diversity (`docs/method.md` §5.1): the Vendi score of a system's chord sequences, and frame-level
//! chord statistics.

use crate::{entropy, sounding_chord};
use comper_music::FrameTracks;
use comper_music::metrics::{distinct_chords, pitch_classes_per_chord};
use nalgebra::{DMatrix, SymmetricEigen};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The Vendi score of embedding rows: `exp(H(λ))` where `λ` are the eigenvalues of the
/// cosine Gram matrix divided by the number of rows, as `vendi_score.score_X(normalize=True)`
/// (the "effective number" of distinct sequences: 1 when all are alike, N when orthogonal).
/// It depends on N, so systems are compared at the same N.
pub fn vendi(rows: &[Vec<f32>]) -> f64 {
    let n = rows.len();
    let d = rows.first().map_or(0, Vec::len);
    if n == 0 || d == 0 {
        return 0.0;
    }
    let x = DMatrix::from_fn(n, d, |i, j| {
        let norm = rows[i].iter().map(|v| f64::from(*v).powi(2)).sum::<f64>().sqrt().max(1e-12);
        f64::from(rows[i][j]) / norm
    });
    // XᵀX and XXᵀ share their non-zero eigenvalues: decompose the smaller one.
    let gram = if d < n { x.transpose() * &x } else { &x * x.transpose() } / n as f64;
    let eigenvalues = SymmetricEigen::new(gram).eigenvalues;
    let h: f64 = eigenvalues.iter().filter(|&&l| l > 1e-12).map(|&l| -l * l.ln()).sum();
    h.exp()
}

/// A Vendi score with what its intervals come from: the score with each song left out in
/// turn (a jackknife: a bootstrap would draw songs twice, and a duplicated sequence lowers
/// the score by itself; leaving one out never duplicates). Computed once per system, it
/// serves the system's own interval and every paired comparison.
#[derive(Clone, Debug, PartialEq)]
pub struct VendiJackknife {
    pub score: f64,
    left_out: Vec<f64>,
}

impl VendiJackknife {
    /// Over `rows`, one song each; each left-out score is taken at N − 1.
    pub fn of(rows: &[Vec<f32>]) -> VendiJackknife {
        let without = |song: usize| -> Vec<Vec<f32>> {
            rows.iter().enumerate().filter(|&(i, _)| i != song).map(|(_, r)| r.clone()).collect()
        };
        VendiJackknife { score: vendi(rows), left_out: (0..rows.len()).map(|song| vendi(&without(song))).collect() }
    }

    /// Half the width of the score's 95% interval: 1.96 jackknife standard errors. None for
    /// fewer than two songs.
    pub fn ci95(&self) -> Option<f64> {
        jackknife_ci95(&self.left_out)
    }

    /// `self − other` for two systems' takes of the same songs (in the same order), with the
    /// half width of its 95% interval: the same song left out of both, so what the songs
    /// share cancels, as in a paired test. None for unequal or fewer than two songs.
    pub fn minus(&self, other: &VendiJackknife) -> Option<(f64, f64)> {
        if self.left_out.len() != other.left_out.len() {
            return None;
        }
        let differences: Vec<f64> = self.left_out.iter().zip(&other.left_out).map(|(a, b)| a - b).collect();
        Some((self.score - other.score, jackknife_ci95(&differences)?))
    }
}

/// 1.96 jackknife standard errors of a statistic, given its values with each song left out.
fn jackknife_ci95(left_out: &[f64]) -> Option<f64> {
    let n = left_out.len();
    if n < 2 {
        return None;
    }
    let mean = left_out.iter().sum::<f64>() / n as f64;
    let variance = left_out.iter().map(|v| (v - mean).powi(2)).sum::<f64>() * (n - 1) as f64 / n as f64;
    Some(1.96 * variance.sqrt())
}

/// What chords a system uses, counted per frame (ON and HOLD alike, silence left out).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChordUse {
    /// Entropy (nats) of the chord symbols over all sounding chord frames.
    pub entropy: f64,
    /// The entropy divided by ln(vocabulary size).
    pub entropy_normalized: f64,
    /// Distinct chord symbols.
    pub unique: usize,
    /// Mean pitch classes in the chord of a sounding frame (dense chords inflate harmony).
    pub pitch_classes: f64,
}

pub fn chord_use(takes: &[FrameTracks]) -> ChordUse {
    let mut counts = BTreeMap::new();
    for chord in takes.iter().flat_map(|t| t.chords.iter().filter_map(|&c| sounding_chord(c))) {
        *counts.entry(chord).or_insert(0usize) += 1;
    }
    let h = entropy(counts.values().copied());
    ChordUse {
        entropy: h,
        entropy_normalized: h / (comper_music::vocab::NUM_CHORDS as f64).ln(),
        unique: distinct_chords(takes),
        pitch_classes: pitch_classes_per_chord(takes),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, ChordId, PitchClass, Quality, Token};

    #[test]
    fn identical_sequences_give_vendi_one_and_orthogonal_ones_give_n() {
        let same = vec![vec![0.6f32, 0.8, 0.0]; 5];
        assert!((vendi(&same) - 1.0).abs() < 1e-9, "{}", vendi(&same));
        let basis: Vec<Vec<f32>> = (0..4).map(|i| (0..4).map(|j| f32::from(u8::from(i == j))).collect()).collect();
        assert!((vendi(&basis) - 4.0).abs() < 1e-9, "{}", vendi(&basis));
        // Two distinct groups of equal size: two effective sequences, with N > d or N < d.
        let groups: Vec<Vec<f32>> = (0..6).map(|i| if i % 2 == 0 { vec![1.0, 0.0] } else { vec![0.0, 2.0] }).collect();
        assert!((vendi(&groups) - 2.0).abs() < 1e-9, "{}", vendi(&groups));
    }

    /// `n` songs drawn from four directions with a little noise.
    fn songs(n: usize, offset: usize) -> Vec<Vec<f32>> {
        (0..n)
            .map(|i| {
                let k = (i * 7 + offset) % 4;
                (0..4).map(|j| if j == k { 1.0 } else { 0.1 * ((i * 31 + j * 17 + offset) % 5) as f32 }).collect()
            })
            .collect()
    }

    #[test]
    fn the_vendi_interval_is_zero_for_alike_sequences_and_narrows_with_more_songs() {
        let ci95 = |rows: &[Vec<f32>]| VendiJackknife::of(rows).ci95();
        assert_eq!(ci95(&[vec![1.0, 0.0]]), None);
        assert!(ci95(&vec![vec![0.6f32, 0.8]; 10]).unwrap() < 1e-9);
        // The interval holds the score's spread between independent draws and shrinks as
        // songs are added.
        let (few, many) = (ci95(&songs(20, 0)).unwrap(), ci95(&songs(200, 0)).unwrap());
        assert!(few > 0.0 && many < few, "{few} {many}");
        assert!((vendi(&songs(200, 0)) - vendi(&songs(200, 3))).abs() < 2.0 * many, "{many}");
    }

    #[test]
    fn a_paired_vendi_difference_is_narrower_than_the_two_intervals() {
        // b plays a's takes, except that every fifth song repeats song 1.
        let a = songs(40, 0);
        let b: Vec<Vec<f32>> = a.iter().enumerate().map(|(i, r)| if i % 5 == 0 { &a[1] } else { r }.clone()).collect();
        let (ja, jb) = (VendiJackknife::of(&a), VendiJackknife::of(&b));
        let (difference, ci95) = ja.minus(&jb).unwrap();
        assert!((difference - (vendi(&a) - vendi(&b))).abs() < 1e-12);
        assert!(difference > 0.0, "repeats make b less varied");
        let apart = ja.ci95().unwrap().hypot(jb.ci95().unwrap());
        assert!(ci95 < apart, "what the songs share cancels: {ci95} against {apart}");
        assert_eq!(ja.minus(&VendiJackknife::of(&b[1..])), None);
        assert_eq!(ja.minus(&ja).unwrap(), (0.0, 0.0));
    }

    #[test]
    fn chord_use_counts_frames_of_sounding_chords() {
        let c = ChordId::of(Chord::new(PitchClass::new(0), Quality::Major));
        let g7 = ChordId::of(Chord::new(PitchClass::new(7), Quality::Dominant7));
        let chords = vec![Token::chord_on(c), Token::chord_hold(c), Token::SILENCE, Token::chord_on(g7)];
        let take = FrameTracks { melody: vec![Token::SILENCE; 4], chords };
        let u = chord_use(&[take]);
        assert_eq!(u.unique, 2);
        let p = [2.0 / 3.0, 1.0 / 3.0];
        assert!((u.entropy - p.iter().map(|p: &f64| -p * p.ln()).sum::<f64>()).abs() < 1e-12);
        assert!((u.pitch_classes - (3.0 + 3.0 + 4.0) / 3.0).abs() < 1e-12);
    }
}
