//! The pair-discriminative reward's task: real pairs against two kinds of negative, so the
//! reward judges how each chord fits its notes and not only whether the chords come from the
//! melody's song:
//! - the melody over another song's chords from the same batch (another key, another form);
//! - the melody over its own chords moved by 1..=6 semitones either way from a random beat on
//!   (the song's own rhythm and form, the wrong harmony from there).
//!
//! Each negative and its positive are cut to the same length, so a window's length cannot
//! give the label away.

use super::{epoch_steps, in_chunks, scalar};
use crate::batch::{FrameBatch, length_mask};
use crate::loss::binary_cross_entropy;
use crate::metrics::precision_recall_f1;
use crate::models::discriminative::{DiscriminativeConfig, PairDiscriminator};
use crate::trainer::Task;
use burn::prelude::*;
use burn::tensor::TensorData;
use comper_data::windows::{WindowSampler, key_change_semitones};
use comper_music::frames::transpose_from;
use comper_music::{FRAMES_PER_BEAT, FrameTracks};
use rand::rngs::ChaCha8Rng;
use rand::{RngExt, SeedableRng};

/// Seed of the validation negatives: the same for every checkpoint, so their scores compare.
const VALID_SEED: u64 = 0x6e65_6761_7469_7665;

pub struct DiscriminativeTask {
    pub config: DiscriminativeConfig,
    pub sampler: WindowSampler,
    pub valid: Vec<FrameTracks>,
    pub batch_size: usize,
    pub window: usize,
}

/// How a negative was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Negative {
    /// The melody of window i + 1 over the chords of window i, cut to their joint length.
    OtherSong,
    /// Window i's melody over its own chords moved from a random beat on.
    Moved,
}

/// Positives then negatives, labels 1 then 0, and each negative's kind (half of each
/// kind, drawn from `rng`).
pub fn pairs(windows: &[FrameTracks], rng: &mut ChaCha8Rng) -> (Vec<FrameTracks>, Vec<f32>, Vec<Negative>) {
    let n = windows.len();
    let kinds: Vec<Negative> =
        (0..n).map(|_| if rng.random_bool(0.5) { Negative::Moved } else { Negative::OtherSong }).collect();
    let joint = |i: usize| windows[i].len().min(windows[(i + 1) % n].len());
    let len = |i: usize| match kinds[i] {
        Negative::OtherSong => joint(i),
        Negative::Moved => windows[i].len(),
    };
    let mut out: Vec<FrameTracks> = windows.iter().enumerate().map(|(i, w)| w.window(0, len(i))).collect();
    for (i, w) in windows.iter().enumerate() {
        let len = len(i);
        out.push(match kinds[i] {
            Negative::OtherSong => {
                FrameTracks { melody: windows[(i + 1) % n].melody[..len].to_vec(), chords: w.chords[..len].to_vec() }
            }
            Negative::Moved => {
                let from = rng.random_range(0..len.div_ceil(FRAMES_PER_BEAT).max(1)) * FRAMES_PER_BEAT;
                FrameTracks {
                    melody: w.melody.clone(),
                    chords: transpose_from(&w.chords, from, key_change_semitones(rng)),
                }
            }
        });
    }
    let labels = (0..2 * n).map(|i| if i < n { 1.0 } else { 0.0 }).collect();
    (out, labels, kinds)
}

fn logits(model: &PairDiscriminator, windows: &[FrameTracks], device: &Device) -> Tensor<1> {
    let batch = FrameBatch::new(windows, device);
    let mask = length_mask(&batch.lengths, batch.width(), device);
    model.forward(batch.melody, batch.chords, mask)
}

impl Task for DiscriminativeTask {
    type Model = PairDiscriminator;

    fn init_model(&self, device: &Device) -> PairDiscriminator {
        self.config.init(device)
    }

    fn train_loss(&self, model: &PairDiscriminator, step: u64, device: &Device) -> (Tensor<1>, usize) {
        let (examples, labels, _) =
            pairs(&self.sampler.batch(step, self.batch_size), &mut ChaCha8Rng::seed_from_u64(step));
        let tokens = 2 * examples.iter().map(FrameTracks::len).sum::<usize>();
        let targets = Tensor::from_data(TensorData::new(labels.clone(), [labels.len()]), device);
        (binary_cross_entropy(logits(model, &examples, device), targets), tokens)
    }

    /// Loss, precision/recall/F1 of "belongs together" at P > 0.5, and the share of each kind
    /// of negative turned down.
    fn validate(&self, model: &PairDiscriminator, device: &Device) -> Vec<(String, f64)> {
        let device = device.clone().inner();
        let mut rng = ChaCha8Rng::seed_from_u64(VALID_SEED);
        let results = in_chunks(&self.valid, self.batch_size, |chunk| {
            let (examples, labels, kinds) = pairs(chunk, &mut rng);
            let targets = Tensor::from_data(TensorData::new(labels.clone(), [labels.len()]), &device);
            let z = logits(model, &examples, &device);
            let loss = scalar(binary_cross_entropy(z.clone(), targets)) * labels.len() as f64;
            let z: Vec<f32> = z.into_data().try_to_vec::<f32>().unwrap_or_default();
            let negatives = kinds.into_iter().zip(z[chunk.len()..].iter().map(|&z| z <= 0.0)).collect::<Vec<_>>();
            (loss, z.into_iter().zip(labels).map(|(z, y)| (z > 0.0, y > 0.5)).collect::<Vec<_>>(), negatives)
        });
        let n: usize = results.iter().map(|r| r.1.len()).sum();
        let loss = results.iter().map(|r| r.0).sum::<f64>() / n.max(1) as f64;
        let rejected = |kind: Negative| {
            let of_kind: Vec<bool> =
                results.iter().flat_map(|r| &r.2).filter(|(k, _)| *k == kind).map(|&(_, no)| no).collect();
            of_kind.iter().filter(|&&no| no).count() as f64 / of_kind.len().max(1) as f64
        };
        let (other, moved) = (rejected(Negative::OtherSong), rejected(Negative::Moved));
        let (p, r, f1) = precision_recall_f1(results.into_iter().flat_map(|r| r.1));
        vec![
            ("val_loss".into(), loss),
            ("precision".into(), p),
            ("recall".into(), r),
            ("f1".into(), f1),
            ("rejected_other_song".into(), other),
            ("rejected_moved".into(), moved),
        ]
    }

    fn steps_per_epoch(&self) -> u64 {
        epoch_steps(&self.sampler, self.batch_size, self.window)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::{ChordId, Token, TokenKind};

    /// Four windows of 16 frames: a note and a chord per beat, each song in its own key.
    fn windows() -> Vec<FrameTracks> {
        (0..4u8)
            .map(|song| {
                let mut melody = Vec::new();
                let mut chords = Vec::new();
                for beat in 0..4u8 {
                    let pitch = 60 + song + 2 * beat;
                    melody.extend([
                        Token::note_on(pitch),
                        Token::note_hold(pitch),
                        Token::note_hold(pitch),
                        Token::SILENCE,
                    ]);
                    let chord = ChordId::from_index(usize::from(song + beat)).unwrap();
                    chords.extend([
                        Token::chord_on(chord),
                        Token::chord_hold(chord),
                        Token::chord_hold(chord),
                        Token::chord_hold(chord),
                    ]);
                }
                FrameTracks { melody, chords }
            })
            .collect()
    }

    #[test]
    fn a_moved_negative_keeps_its_melody_and_rhythm_and_moves_its_chords_from_a_beat_on() {
        let windows = windows();
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let (examples, labels, kinds) = pairs(&windows, &mut rng);
        assert_eq!(labels, [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0]);
        assert!(kinds.contains(&Negative::Moved) && kinds.contains(&Negative::OtherSong), "{kinds:?}");
        for (i, kind) in kinds.iter().enumerate() {
            let (real, negative) = (&windows[i], &examples[windows.len() + i]);
            if *kind == Negative::OtherSong {
                assert_eq!(negative.chords, real.chords[..negative.len()]);
                assert_eq!(negative.melody, windows[(i + 1) % windows.len()].melody[..negative.len()]);
                continue;
            }
            assert_eq!(negative.melody, real.melody);
            let changed: Vec<usize> = (0..real.len()).filter(|&f| negative.chords[f] != real.chords[f]).collect();
            let from = changed[0];
            assert_eq!(from % FRAMES_PER_BEAT, 0, "moved from frame {from}, not a beat");
            assert_eq!(changed, (from..real.len()).collect::<Vec<_>>(), "every chord from frame {from} on moves");
            for f in from..real.len() {
                match (real.chords[f].kind(), negative.chords[f].kind()) {
                    (TokenKind::ChordOn(a), TokenKind::ChordOn(b))
                    | (TokenKind::ChordHold(a), TokenKind::ChordHold(b)) => {
                        assert_ne!(a.chord().root, b.chord().root, "frame {f}: the root moves")
                    }
                    (TokenKind::ChordHold(a), TokenKind::ChordOn(b)) if f == from => {
                        assert_ne!(a.chord().root, b.chord().root)
                    }
                    (a, b) => panic!("frame {f}: {a:?} became {b:?}, not the same rhythm"),
                }
            }
        }
    }
}
