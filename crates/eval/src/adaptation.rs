//! Adaptation (`docs/method.md` §5.2): the melody jumps by a tritone at beat 16 and stays there; the
//! per-beat note-in-chord curve shows how fast the accompanist follows. Two readings carry a 95%
//! bootstrap interval over the songs, since a single beat's level is noisy: the beats until half
//! the drop is won back, and the level over the 8 beats after the jump against the one before.

use crate::bootstrap;
use crate::harmony::per_beat;
use comper_music::frames::transpose_from;
use comper_music::metrics::Tally;
use comper_music::{FRAMES_PER_BEAT, FrameTracks};
use serde::{Deserialize, Serialize};
use std::ops::Range;

/// The paper's perturbation: +6 semitones from beat 16 (frame 64) on.
pub const JUMP_BEAT: usize = 16;
pub const JUMP_SEMITONES: i32 = 6;
/// Recovered means two consecutive beats at this share of the level before the jump.
pub const RECOVERED_SHARE: f64 = 0.95;
/// Beats after the jump whose level is set against the level before it (beats 16–23).
const SETTLED_BEATS: usize = 8;
/// The seed of the songs' resamples behind each interval (the same for every system).
const SEED: u64 = 16;

/// The take with its melody jumped at `beat`; with `chords_too` the chords follow (the
/// ground truth's own answer to the jump).
pub fn jumped(take: &FrameTracks, beat: usize, semitones: i32, chords_too: bool) -> FrameTracks {
    let from = beat * FRAMES_PER_BEAT;
    FrameTracks {
        melody: transpose_from(&take.melody, from, semitones),
        chords: if chords_too { transpose_from(&take.chords, from, semitones) } else { take.chords.clone() },
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Adaptation {
    pub jump_beat: usize,
    /// Pooled note-in-chord of each beat.
    pub curve: Vec<Option<f64>>,
    /// Level over the half before the jump that follows the cold start (beats 8–15).
    pub before: Option<f64>,
    /// Level over the 4 beats after the jump.
    pub after: Option<f64>,
    /// Beats after the jump until two consecutive beats are back at
    /// [`RECOVERED_SHARE`] of `before`; `None` if that never happens in the take.
    pub recovery_beats: Option<usize>,
    /// Beats after the jump until a beat has won back half the drop (from `before` to the jump
    /// beat's level); `None` if none does within the take.
    #[serde(default)]
    pub half_recovery: Option<Estimate>,
    /// The level over the 8 beats after the jump over `before` (1: as good as before it).
    #[serde(default)]
    pub settled: Option<Estimate>,
}

/// A reading and its 95% bootstrap interval over the songs.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
}

/// Every take's hits and counted frames per beat: what the readings pool, song by song.
struct BeatTallies(Vec<Vec<Tally>>);

impl BeatTallies {
    fn of(takes: &[FrameTracks], beats: usize) -> BeatTallies {
        let beat = |take: &FrameTracks, b: usize| Tally::of(take, b * FRAMES_PER_BEAT..(b + 1) * FRAMES_PER_BEAT);
        BeatTallies(takes.iter().map(|take| (0..beats).map(|b| beat(take, b)).collect()).collect())
    }

    /// The pooled level over `beats` of the takes `songs` picks.
    fn level(&self, songs: &[usize], beats: Range<usize>) -> Option<f64> {
        let mut pooled = Tally::default();
        for &s in songs {
            for t in self.0[s].get(beats.clone()).unwrap_or_default() {
                (pooled.hits, pooled.frames) = (pooled.hits + t.hits, pooled.frames + t.frames);
            }
        }
        pooled.ratio()
    }

    /// Beats after `jump` until one is back up by half the drop; 0 without a drop.
    fn half_recovery(&self, songs: &[usize], jump: usize) -> Option<f64> {
        let before = self.level(songs, jump / 2..jump)?;
        let bottom = self.level(songs, jump..jump + 1)?;
        let target = bottom + 0.5 * (before - bottom).max(0.0);
        let beats = self.0.first().map_or(0, Vec::len);
        (jump..beats).find(|&b| self.level(songs, b..b + 1).is_some_and(|l| l >= target)).map(|b| (b - jump) as f64)
    }

    fn settled(&self, songs: &[usize], jump: usize) -> Option<f64> {
        Some(self.level(songs, jump..jump + SETTLED_BEATS)? / self.level(songs, jump / 2..jump)?)
    }
}

/// `reading` of every song, with its interval over resamples of the songs.
fn estimate(songs: usize, reading: impl Fn(&[usize]) -> Option<f64>) -> Option<Estimate> {
    let value = reading(&(0..songs).collect::<Vec<_>>())?;
    let (low, high) = bootstrap::interval(songs, SEED, reading)?;
    Some(Estimate { value, low, high })
}

/// Score takes played against jumped melodies.
pub fn adaptation(takes: &[FrameTracks], jump_beat: usize) -> Adaptation {
    let beats = takes.iter().map(FrameTracks::len).max().unwrap_or(0).div_ceil(FRAMES_PER_BEAT);
    let curve = per_beat(takes, beats);
    let frames = |from: usize, to: usize| from * FRAMES_PER_BEAT..to * FRAMES_PER_BEAT;
    let before = Tally::pooled(takes, frames(jump_beat / 2, jump_beat)).ratio();
    let after = Tally::pooled(takes, frames(jump_beat, jump_beat + 4)).ratio();
    let recovered = |b: usize| {
        let ok = |v: Option<&Option<f64>>| matches!((v, before), (Some(Some(r)), Some(l)) if *r >= RECOVERED_SHARE * l);
        ok(curve.get(b)) && ok(curve.get(b + 1))
    };
    let recovery_beats = (jump_beat..beats).find(|&b| recovered(b)).map(|b| b - jump_beat);
    let tallies = BeatTallies::of(takes, beats);
    let half_recovery = estimate(takes.len(), |songs| tallies.half_recovery(songs, jump_beat));
    let settled = estimate(takes.len(), |songs| tallies.settled(songs, jump_beat));
    Adaptation { jump_beat, curve, before, after, recovery_beats, half_recovery, settled }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::harmony::harmony;
    use comper_music::{Chord, ChordId, PitchClass, Quality, Token};

    /// 32 beats of a C major arpeggio over C major.
    fn in_c() -> FrameTracks {
        let c = ChordId::of(Chord::new(PitchClass::new(0), Quality::Major));
        let pitches = [60u8, 64, 67, 64];
        let melody = (0..128).map(|f| Token::note_on(pitches[(f / 2) % 4])).collect();
        let chords = (0..128).map(|f| if f == 0 { Token::chord_on(c) } else { Token::chord_hold(c) }).collect();
        FrameTracks { melody, chords }
    }

    #[test]
    fn a_transposed_melody_with_unchanged_chords_drops_harmony() {
        let take = in_c();
        let moved = jumped(&take, JUMP_BEAT, JUMP_SEMITONES, false);
        assert_eq!(harmony(std::slice::from_ref(&take)).pooled, Some(1.0));
        assert_eq!(
            harmony(std::slice::from_ref(&moved)).pooled,
            Some(0.5),
            "F# A# C# against C: no hit after the jump"
        );
        let a = adaptation(&[moved], JUMP_BEAT);
        assert_eq!((a.before, a.after, a.recovery_beats), (Some(1.0), Some(0.0), None));
        assert_eq!(a.half_recovery, None, "never half back");
        assert_eq!(a.settled.map(|s| s.value), Some(0.0));
        assert_eq!(a.curve[15], Some(1.0));
        assert_eq!(a.curve[16], Some(0.0));
    }

    #[test]
    fn chords_that_follow_the_jump_recover_at_once_and_late_ones_later() {
        let take = in_c();
        let followed = adaptation(&[jumped(&take, JUMP_BEAT, JUMP_SEMITONES, true)], JUMP_BEAT);
        assert_eq!((followed.after, followed.recovery_beats), (Some(1.0), Some(0)));
        assert_eq!(followed.half_recovery, Some(Estimate { value: 0.0, low: 0.0, high: 0.0 }));
        assert_eq!(followed.settled.map(|s| s.value), Some(1.0));
        // The chords follow 3 beats late.
        let mut late = jumped(&take, JUMP_BEAT, JUMP_SEMITONES, false);
        late.chords = transpose_from(&take.chords, (JUMP_BEAT + 3) * FRAMES_PER_BEAT, JUMP_SEMITONES);
        let late = adaptation(&[late], JUMP_BEAT);
        assert_eq!(late.recovery_beats, Some(3));
        assert_eq!(late.half_recovery.map(|h| h.value), Some(3.0));
        assert_eq!(late.settled.map(|s| s.value), Some(5.0 / 8.0), "5 of the 8 beats in the chord");
    }

    #[test]
    fn the_interval_holds_the_reading_and_widens_with_songs_that_disagree() {
        let take = in_c();
        let mut late = jumped(&take, JUMP_BEAT, JUMP_SEMITONES, false);
        late.chords = transpose_from(&take.chords, (JUMP_BEAT + 6) * FRAMES_PER_BEAT, JUMP_SEMITONES);
        let takes: Vec<FrameTracks> = (0..20)
            .map(|i| if i % 2 == 0 { jumped(&take, JUMP_BEAT, JUMP_SEMITONES, true) } else { late.clone() })
            .collect();
        let settled = adaptation(&takes, JUMP_BEAT).settled.unwrap();
        assert!(settled.low < settled.value && settled.value < settled.high, "{settled:?}");
        assert!((settled.value - (8.0 + 2.0) / 16.0).abs() < 1e-9, "{settled:?}");
    }

    #[test]
    fn the_jump_keeps_the_token_grammar() {
        let moved = jumped(&in_c(), JUMP_BEAT, JUMP_SEMITONES, true);
        assert_eq!(moved.chords[64], Token::chord_on(ChordId::of(Chord::new(PitchClass::new(6), Quality::Major))));
        assert!(moved.decode_chords().is_ok() && moved.decode_melody().is_ok());
    }
}
