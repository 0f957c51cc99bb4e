//! Live melody → one melody token per 16th-note frame, by the same rules the training data
//! was tokenized with (`comper_music::frames`):
//!
//! - **Quantization:** a note-on belongs to the *nearest* frame (an onset in the second half
//!   of a frame counts for the next one, as a note played just ahead of the beat); a note
//!   lasts at least one frame and holds through frame `f` while it is released no earlier
//!   than `f + ½`.
//! - **One line from many notes:** when several notes start in the same frame, the highest
//!   wins (the skyline rule of the data); a new onset always cuts the held note.
//!
//! A frame is finalized at its end, when its token can no longer change. Everything is
//! fixed-size: this runs on the audio thread.

use comper_music::Token;

/// Onsets land in the frame being played or the next one; one more slot spares a frame
/// whose end has not been processed yet.
const PENDING_SLOTS: usize = 3;

#[derive(Clone, Copy, Debug)]
pub struct MelodyQuantizer {
    /// Highest onset per frame not yet finalized: `(frame, key, position)`.
    pending: [Option<(i64, u8, f64)>; PENDING_SLOTS],
    /// The note of the last ON token and its onset position.
    current: Option<(u8, f64)>,
    /// Where each key was last released (frame position).
    released_at: [f64; 128],
}

impl Default for MelodyQuantizer {
    fn default() -> Self {
        MelodyQuantizer { pending: [None; PENDING_SLOTS], current: None, released_at: [f64::NEG_INFINITY; 128] }
    }
}

impl MelodyQuantizer {
    /// Forget everything (a new session).
    pub fn clear(&mut self) {
        *self = MelodyQuantizer::default();
    }

    /// A note-on at frame position `position` (fractional frames from the session start).
    pub fn note_on(&mut self, position: f64, key: u8) {
        let key = key.min(127);
        let frame = position.round() as i64;
        if let Some(slot) = self.pending.iter_mut().flatten().find(|(f, _, _)| *f == frame) {
            if key > slot.1 {
                *slot = (frame, key, position);
            }
        } else if let Some(slot) = self.pending.iter_mut().min_by_key(|s| s.map_or(i64::MIN, |(f, _, _)| f)) {
            *slot = Some((frame, key, position));
        }
    }

    /// A note-off at frame position `position`.
    pub fn note_off(&mut self, position: f64, key: u8) {
        self.released_at[usize::from(key.min(127))] = position;
    }

    /// The token of `frame`, now that it is over.
    pub fn finalize(&mut self, frame: i64) -> Token {
        let onset = self.pending.iter_mut().find(|s| s.is_some_and(|(f, _, _)| f == frame)).and_then(Option::take);
        for stale in self.pending.iter_mut().filter(|s| s.is_some_and(|(f, _, _)| f < frame)) {
            *stale = None;
        }
        if let Some((_, key, position)) = onset {
            self.current = Some((key, position));
            return Token::note_on(key);
        }
        match self.current {
            Some((key, onset)) => {
                let released = self.released_at[usize::from(key)];
                if released < onset || released >= frame as f64 + 0.5 {
                    Token::note_hold(key)
                } else {
                    self.current = None;
                    Token::SILENCE
                }
            }
            None => Token::SILENCE,
        }
    }

    /// What `frame` holds so far, before it is over: its onset if one has come (played at
    /// most half a frame early, or on its first sample), else the held note, else silence.
    /// A chord that hears its frame's note chooses with this.
    pub fn so_far(&self, frame: i64) -> Token {
        if let Some((_, key, _)) = self.pending.iter().flatten().find(|(f, _, _)| *f == frame) {
            return Token::note_on(*key);
        }
        match self.current {
            Some((key, onset)) if self.released_at[usize::from(key)] < onset => Token::note_hold(key),
            _ => Token::SILENCE,
        }
    }

    /// True while the melody's last note (or one about to start) is still held.
    pub fn is_holding(&self) -> bool {
        let held = |key: u8, onset: f64| self.released_at[usize::from(key)] < onset;
        self.current.is_some_and(|(key, onset)| held(key, onset))
            || self.pending.iter().flatten().any(|&(_, key, onset)| held(key, onset))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frames(q: &mut MelodyQuantizer, range: std::ops::Range<i64>) -> Vec<Token> {
        range.map(|f| q.finalize(f)).collect()
    }

    #[test]
    fn a_note_on_the_grid_becomes_on_then_holds() {
        let mut q = MelodyQuantizer::default();
        q.note_on(0.0, 60);
        q.note_off(3.0, 60);
        let t = frames(&mut q, 0..5);
        assert_eq!(t, [Token::note_on(60), Token::note_hold(60), Token::note_hold(60), Token::SILENCE, Token::SILENCE]);
    }

    #[test]
    fn onsets_go_to_the_nearest_frame() {
        let mut q = MelodyQuantizer::default();
        q.note_on(0.6, 62); // just ahead of frame 1
        q.note_off(1.3, 62);
        assert_eq!(frames(&mut q, 0..3), [Token::SILENCE, Token::note_on(62), Token::SILENCE]);
    }

    #[test]
    fn releases_hold_through_frames_they_pass_the_middle_of() {
        let mut q = MelodyQuantizer::default();
        q.note_on(0.0, 64);
        q.note_off(1.5, 64); // exactly half of frame 1: still held there
        assert_eq!(frames(&mut q, 0..3), [Token::note_on(64), Token::note_hold(64), Token::SILENCE]);
        q.note_on(3.0, 65);
        q.note_off(3.1, 65); // shorter than a frame: still one frame
        assert_eq!(frames(&mut q, 3..5), [Token::note_on(65), Token::SILENCE]);
    }

    #[test]
    fn the_highest_simultaneous_onset_wins_and_cuts_the_held_note() {
        let mut q = MelodyQuantizer::default();
        q.note_on(0.0, 48);
        assert_eq!(q.finalize(0), Token::note_on(48));
        q.note_on(1.1, 60);
        q.note_on(0.9, 67);
        q.note_on(1.0, 64);
        assert_eq!(q.finalize(1), Token::note_on(67));
        q.note_off(1.5, 67);
        // 48 is still held, but the melody line moved on to 67 and 67 ended.
        assert_eq!(q.finalize(2), Token::SILENCE);
    }

    #[test]
    fn onsets_of_the_next_frame_wait_for_it() {
        let mut q = MelodyQuantizer::default();
        q.note_on(0.0, 60);
        q.note_on(1.7, 62); // belongs to frame 2, known before frame 1 ends
        q.note_off(1.7, 60);
        assert_eq!(frames(&mut q, 0..3), [Token::note_on(60), Token::note_hold(60), Token::note_on(62)]);
        assert!(q.is_holding());
    }
}
