//! Harmony: the note-in-chord ratio (`docs/method.md` §5.1). A frame counts when both the melody and
//! the chord sound (ON or HOLD); it is a hit when the melody's pitch class is in the chord.

use comper_music::metrics::Tally;
use comper_music::{FRAMES_PER_BEAT, FrameTracks};
use serde::{Deserialize, Serialize};

/// Harmony of a system over a set of takes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Harmony {
    /// Hits over all counted frames of all takes (the GAPT code's summary).
    pub pooled: Option<f64>,
    /// Mean of the per-take ratios (ReaLchords' summary) and its 95% interval half-width.
    pub song_mean: Option<f64>,
    pub song_ci95: Option<f64>,
    pub frames: usize,
    /// Takes with at least one counted frame.
    pub songs: usize,
}

pub fn harmony(takes: &[FrameTracks]) -> Harmony {
    let all = Tally::pooled(takes, 0..usize::MAX);
    let ratios: Vec<f64> = takes.iter().filter_map(|t| Tally::of(t, 0..usize::MAX).ratio()).collect();
    let n = ratios.len() as f64;
    let mean = (!ratios.is_empty()).then(|| ratios.iter().sum::<f64>() / n);
    let ci95 = mean.filter(|_| ratios.len() > 1).map(|m| {
        let variance = ratios.iter().map(|r| (r - m).powi(2)).sum::<f64>() / (n - 1.0);
        1.96 * (variance / n).sqrt()
    });
    Harmony { pooled: all.ratio(), song_mean: mean, song_ci95: ci95, frames: all.frames, songs: ratios.len() }
}

/// The pooled ratio of each beat `0..beats` (`None` where no frame of that beat counted).
pub fn per_beat(takes: &[FrameTracks], beats: usize) -> Vec<Option<f64>> {
    (0..beats).map(|b| Tally::pooled(takes, b * FRAMES_PER_BEAT..(b + 1) * FRAMES_PER_BEAT).ratio()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Chord, ChordId, PitchClass, Quality, Token};

    fn chord(root: i32, quality: Quality) -> ChordId {
        ChordId::of(Chord::new(PitchClass::new(root), quality))
    }

    /// C major arpeggio over a C major chord, held for 8 frames.
    fn take(chord_token: Token) -> FrameTracks {
        let pitches = [60u8, 64, 67, 72, 64, 60, 67, 64];
        FrameTracks { melody: pitches.iter().map(|&p| Token::note_on(p)).collect(), chords: vec![chord_token; 8] }
    }

    #[test]
    fn a_chord_containing_every_melody_note_scores_one() {
        let c = take(Token::chord_hold(chord(0, Quality::Major)));
        let h = harmony(&[c]);
        assert_eq!((h.pooled, h.song_mean, h.frames, h.songs), (Some(1.0), Some(1.0), 8, 1));
        assert_eq!(per_beat(&[take(Token::chord_on(chord(0, Quality::Major)))], 2), vec![Some(1.0), Some(1.0)]);
    }

    #[test]
    fn silence_in_either_track_is_not_counted_and_misses_are() {
        let mut t = take(Token::chord_hold(chord(2, Quality::Minor))); // Dm: none of C E G
        t.melody[0] = Token::SILENCE;
        t.chords[1] = Token::SILENCE;
        assert_eq!(Tally::of(&t, 0..8), Tally { hits: 0, frames: 6 });
        let silent = FrameTracks { melody: vec![Token::SILENCE; 4], chords: vec![Token::SILENCE; 4] };
        assert_eq!(harmony(&[silent]).pooled, None);
        assert_eq!(per_beat(&[t], 3), vec![Some(0.0), Some(0.0), None]);
    }

    #[test]
    fn pooled_weighs_frames_and_song_mean_weighs_songs() {
        let good = take(Token::chord_hold(chord(0, Quality::Major)));
        let mut short_bad = take(Token::chord_hold(chord(1, Quality::Major))); // C#: misses all
        short_bad.melody.truncate(2);
        short_bad.chords.truncate(2);
        let h = harmony(&[good, short_bad]);
        assert_eq!(h.pooled, Some(8.0 / 10.0));
        assert_eq!(h.song_mean, Some(0.5));
        assert!((h.song_ci95.unwrap() - 1.96 * 0.5).abs() < 1e-12, "{:?}", h.song_ci95);
    }
}
