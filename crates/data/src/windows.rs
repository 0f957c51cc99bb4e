//! Training windows: beat-aligned crops of a configurable length, transposed on the fly.

use comper_music::FrameTracks;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// The paper's window: 256 frames = 64 beats = 16 bars of 4/4.
pub const DEFAULT_WINDOW: usize = 256;
/// Transposition range for augmentation, in semitones either way.
pub const MAX_TRANSPOSE: i32 = 6;

/// Draws random training windows from tokenized songs, reproducibly from a seed.
pub struct WindowSampler {
    songs: Vec<FrameTracks>,
    len: usize,
    transpose: bool,
    rng: ChaCha8Rng,
}

impl WindowSampler {
    /// `transpose`: shift each window by a uniform k in −6..=6 (retrying another k when a
    /// note would leave the MIDI range). Empty songs are dropped.
    pub fn new(songs: Vec<FrameTracks>, len: usize, transpose: bool, seed: u64) -> WindowSampler {
        let songs = songs.into_iter().filter(|s| !s.is_empty()).collect();
        WindowSampler { songs, len, transpose, rng: ChaCha8Rng::seed_from_u64(seed) }
    }

    pub fn len(&self) -> usize {
        self.songs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.songs.is_empty()
    }

    /// One window: a random song, a random beat-aligned start, a random transposition.
    pub fn sample(&mut self) -> Option<FrameTracks> {
        if self.songs.is_empty() {
            return None;
        }
        let song = &self.songs[self.rng.random_range(0..self.songs.len())];
        let starts = song.len().saturating_sub(self.len) / comper_music::FRAMES_PER_BEAT + 1;
        let start = self.rng.random_range(0..starts) * comper_music::FRAMES_PER_BEAT;
        let window = song.window(start, self.len);
        if !self.transpose {
            return Some(window);
        }
        loop {
            let k = self.rng.random_range(-MAX_TRANSPOSE..=MAX_TRANSPOSE);
            if let Some(shifted) = window.transposed(k) {
                return Some(shifted);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{Note, Token, TokenKind};

    fn song(frames: usize) -> FrameTracks {
        let melody: Vec<Note> =
            (0..frames / 2).map(|i| Note { onset: i as f64 * 0.5, offset: i as f64 * 0.5 + 0.5, pitch: 60 }).collect();
        FrameTracks::encode(&melody, &[])
    }

    #[test]
    fn windows_are_seeded_beat_aligned_and_transposed_within_range() {
        let mut a = WindowSampler::new(vec![song(1000)], 256, true, 9);
        let mut b = WindowSampler::new(vec![song(1000)], 256, true, 9);
        let mut pitches = std::collections::BTreeSet::new();
        for _ in 0..200 {
            let w = a.sample().unwrap();
            assert_eq!(Some(&w), b.sample().as_ref());
            assert_eq!(w.len(), 256);
            match w.melody[0].kind() {
                TokenKind::NoteOn(p) => pitches.insert(p),
                other => panic!("window must start on a note onset, got {other:?}"),
            };
        }
        assert_eq!(pitches, (54..=66).collect());
    }

    #[test]
    fn short_songs_give_whole_song_windows() {
        let mut s = WindowSampler::new(vec![song(40), FrameTracks { melody: vec![], chords: vec![] }], 256, false, 1);
        assert_eq!(s.len(), 1);
        let w = s.sample().unwrap();
        assert_eq!(w.len(), 40);
        assert_eq!(w.melody[0], Token::note_on(60));
    }
}
