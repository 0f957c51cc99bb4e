//! Training windows: beat-aligned crops of a configurable length, transposed on the fly.

use comper_music::FrameTracks;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// The paper's window: 256 frames = 64 beats = 16 bars of 4/4.
pub const DEFAULT_WINDOW: usize = 256;
/// Transposition range for augmentation, in semitones either way.
pub const MAX_TRANSPOSE: i32 = 6;

/// Draws random training windows from tokenized songs. Batch `k` depends only on the seed
/// and `k`, so a resumed run sees exactly the batches an uninterrupted one would have.
pub struct WindowSampler {
    songs: Vec<FrameTracks>,
    len: usize,
    transpose: bool,
    seed: u64,
}

impl WindowSampler {
    /// `transpose`: shift each window by a uniform k in −6..=6 (retrying another k when a
    /// note would leave the MIDI range). Empty songs are dropped.
    pub fn new(songs: Vec<FrameTracks>, len: usize, transpose: bool, seed: u64) -> WindowSampler {
        let songs = songs.into_iter().filter(|s| !s.is_empty()).collect();
        WindowSampler { songs, len, transpose, seed }
    }

    pub fn len(&self) -> usize {
        self.songs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.songs.is_empty()
    }

    /// Frames in all songs together.
    pub fn total_frames(&self) -> usize {
        self.songs.iter().map(FrameTracks::len).sum()
    }

    /// Batch number `step`: `size` windows, each a random song, a random beat-aligned start
    /// and (if enabled) a random transposition.
    pub fn batch(&self, step: u64, size: usize) -> Vec<FrameTracks> {
        if self.songs.is_empty() {
            return Vec::new();
        }
        let mut rng = ChaCha8Rng::seed_from_u64(self.seed);
        rng.set_stream(step);
        (0..size).map(|_| self.sample(&mut rng)).collect()
    }

    fn sample(&self, rng: &mut ChaCha8Rng) -> FrameTracks {
        let song = &self.songs[rng.random_range(0..self.songs.len())];
        let window = random_window(song, self.len, rng);
        if !self.transpose {
            return window;
        }
        loop {
            let k = rng.random_range(-MAX_TRANSPOSE..=MAX_TRANSPOSE);
            if let Some(shifted) = window.transposed(k) {
                return shifted;
            }
        }
    }
}

/// One seeded window per song, untransposed: the fixed validation and test inputs.
pub fn fixed_windows(songs: &[FrameTracks], len: usize, seed: u64) -> Vec<FrameTracks> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    songs.iter().filter(|s| !s.is_empty()).map(|song| random_window(song, len, &mut rng)).collect()
}

fn random_window(song: &FrameTracks, len: usize, rng: &mut ChaCha8Rng) -> FrameTracks {
    let starts = song.len().saturating_sub(len) / comper_music::FRAMES_PER_BEAT + 1;
    let start = rng.random_range(0..starts) * comper_music::FRAMES_PER_BEAT;
    song.window(start, len)
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
        let sampler = WindowSampler::new(vec![song(1000)], 256, true, 9);
        let again = WindowSampler::new(vec![song(1000)], 256, true, 9);
        assert_eq!(sampler.batch(3, 8), again.batch(3, 8));
        assert_ne!(sampler.batch(3, 8), sampler.batch(4, 8));
        let mut pitches = std::collections::BTreeSet::new();
        for w in sampler.batch(0, 200) {
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
        let s = WindowSampler::new(vec![song(40), FrameTracks { melody: vec![], chords: vec![] }], 256, false, 1);
        assert_eq!(s.len(), 1);
        let w = s.batch(0, 1).remove(0);
        assert_eq!(w.len(), 40);
        assert_eq!(w.melody[0], Token::note_on(60));
        assert_eq!(fixed_windows(&[song(1000)], 256, 5), fixed_windows(&[song(1000)], 256, 5));
    }
}
