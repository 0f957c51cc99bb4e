//! Adaptation (`docs/method.md` §5.2): the melody jumps by a tritone at beat 16 and stays there; the
//! per-beat note-in-chord curve shows how fast the accompanist follows.

use crate::harmony::per_beat;
use comper_music::frames::transpose_from;
use comper_music::metrics::Tally;
use comper_music::{FRAMES_PER_BEAT, FrameTracks};
use serde::{Deserialize, Serialize};

/// The paper's perturbation: +6 semitones from beat 16 (frame 64) on.
pub const JUMP_BEAT: usize = 16;
pub const JUMP_SEMITONES: i32 = 6;
/// Recovered means two consecutive beats at this share of the level before the jump.
pub const RECOVERED_SHARE: f64 = 0.95;

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
    Adaptation { jump_beat, curve, before, after, recovery_beats }
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
        assert_eq!(a.curve[15], Some(1.0));
        assert_eq!(a.curve[16], Some(0.0));
    }

    #[test]
    fn chords_that_follow_the_jump_recover_at_once_and_late_ones_later() {
        let take = in_c();
        let followed = adaptation(&[jumped(&take, JUMP_BEAT, JUMP_SEMITONES, true)], JUMP_BEAT);
        assert_eq!((followed.after, followed.recovery_beats), (Some(1.0), Some(0)));
        // The chords follow 3 beats late.
        let mut late = jumped(&take, JUMP_BEAT, JUMP_SEMITONES, false);
        late.chords = transpose_from(&take.chords, (JUMP_BEAT + 3) * FRAMES_PER_BEAT, JUMP_SEMITONES);
        assert_eq!(adaptation(&[late], JUMP_BEAT).recovery_beats, Some(3));
    }

    #[test]
    fn the_jump_keeps_the_token_grammar() {
        let moved = jumped(&in_c(), JUMP_BEAT, JUMP_SEMITONES, true);
        assert_eq!(moved.chords[64], Token::chord_on(ChordId::of(Chord::new(PitchClass::new(6), Quality::Major))));
        assert!(moved.decode_chords().is_ok() && moved.decode_melody().is_ok());
    }
}
