//! Training windows: beat-aligned crops of a configurable length, varied on the fly.

use comper_music::FrameTracks;
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// The paper's window: 256 frames = 64 beats = 16 bars of 4/4.
pub const DEFAULT_WINDOW: usize = 256;
/// Transposition range for augmentation, in semitones either way.
pub const MAX_TRANSPOSE: i32 = 6;

/// How training windows are varied.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Augment {
    /// Shift each window by a uniform k in −6..=6.
    pub transpose: bool,
    /// The share of windows that change key from a random beat on (melody and chords by a
    /// second uniform shift in ±1..=6): every song in the data stays in one key, so without
    /// this a model never sees a modulation and stalls after one.
    pub key_change: f64,
}

impl Augment {
    /// Windows as they are.
    pub const NONE: Augment = Augment { transpose: false, key_change: 0.0 };
    /// What every model trains on.
    pub const TRAINING: Augment = Augment { transpose: true, key_change: 0.25 };

    /// The line a model card records.
    pub fn describe(self) -> String {
        let mut parts = Vec::new();
        if self.transpose {
            parts.push(format!("transposition -{MAX_TRANSPOSE}..+{MAX_TRANSPOSE} semitones per window"));
        }
        if self.key_change > 0.0 {
            parts.push(format!(
                "a key change (±1..{MAX_TRANSPOSE} semitones from a random beat on) in {:.0}% of windows",
                100.0 * self.key_change
            ));
        }
        if parts.is_empty() { "none".into() } else { parts.join("; ") }
    }
}

/// Draws random training windows from tokenized songs. Batch `k` depends only on the seed
/// and `k`, so a resumed run sees exactly the batches an uninterrupted one would have.
pub struct WindowSampler {
    songs: Vec<FrameTracks>,
    len: usize,
    augment: Augment,
    seed: u64,
}

impl WindowSampler {
    /// A shift that would take a note out of the MIDI range is drawn again. Empty songs are
    /// dropped.
    pub fn new(songs: Vec<FrameTracks>, len: usize, augment: Augment, seed: u64) -> WindowSampler {
        let songs = songs.into_iter().filter(|s| !s.is_empty()).collect();
        WindowSampler { songs, len, augment, seed }
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
    /// and the sampler's [`Augment`].
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
        let mut window = random_window(song, self.len, rng);
        if self.augment.transpose {
            window = loop {
                let k = rng.random_range(-MAX_TRANSPOSE..=MAX_TRANSPOSE);
                if let Some(shifted) = window.transposed(k) {
                    break shifted;
                }
            };
        }
        let beats = window.len() / comper_music::FRAMES_PER_BEAT;
        if beats > 1 && rng.random_bool(self.augment.key_change.clamp(0.0, 1.0)) {
            let from = rng.random_range(1..beats) * comper_music::FRAMES_PER_BEAT;
            window = window.modulated(from, key_change_semitones(rng));
        }
        window
    }
}

/// The shift of a key change: 1..=[`MAX_TRANSPOSE`] semitones, up or down.
pub fn key_change_semitones(rng: &mut ChaCha8Rng) -> i32 {
    rng.random_range(1..=MAX_TRANSPOSE) * if rng.random_bool(0.5) { 1 } else { -1 }
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
        let transpose = Augment { transpose: true, key_change: 0.0 };
        let sampler = WindowSampler::new(vec![song(1000)], 256, transpose, 9);
        let again = WindowSampler::new(vec![song(1000)], 256, transpose, 9);
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
        let s =
            WindowSampler::new(vec![song(40), FrameTracks { melody: vec![], chords: vec![] }], 256, Augment::NONE, 1);
        assert_eq!(s.len(), 1);
        let w = s.batch(0, 1).remove(0);
        assert_eq!(w.len(), 40);
        assert_eq!(w.melody[0], Token::note_on(60));
        assert_eq!(fixed_windows(&[song(1000)], 256, 5), fixed_windows(&[song(1000)], 256, 5));
    }

    #[test]
    fn some_windows_change_key_at_a_beat_and_stay_well_formed() {
        let sampler = WindowSampler::new(vec![song(1000)], 64, Augment { transpose: false, key_change: 0.5 }, 3);
        let windows = sampler.batch(0, 400);
        // The song is C4 throughout: the first frame of another pitch is the key change.
        let change = |w: &FrameTracks| {
            w.melody.iter().position(|t| !matches!(t.kind(), TokenKind::NoteOn(60) | TokenKind::NoteHold(60)))
        };
        let changed: Vec<usize> = windows.iter().filter_map(change).collect();
        assert!((140..260).contains(&changed.len()), "about half change key: {} of 400", changed.len());
        assert!(changed.iter().all(|f| f % comper_music::FRAMES_PER_BEAT == 0 && *f > 0), "at a beat after the start");
        assert!(windows.iter().all(|w| w.decode_melody().is_ok()));
    }
}
