//! Windows of frame tokens → padded tensors, in the layouts the models read, and the seeded
//! samplers that sample a batch's rows.

use burn::prelude::*;
use burn::tensor::TensorData;
use comper_inference::Sampler;
use comper_music::{FrameTracks, Part, Token};

/// The values of a float tensor, row-major: logits, rewards and weights leaving burn.
pub fn floats<const D: usize>(t: Tensor<D>) -> Vec<f32> {
    t.into_data().convert::<f32>().try_to_vec::<f32>().expect("a float tensor")
}

/// Token ids `[B, T]` from rows of tokens, right-padded with PAD to the longest row.
pub fn token_tensor(rows: &[Vec<Token>], device: &Device) -> Tensor<2, Int> {
    let width = rows.iter().map(Vec::len).max().unwrap_or(0).max(1);
    let mut ids = Vec::with_capacity(rows.len() * width);
    for row in rows {
        ids.extend(row.iter().map(|t| t.id() as i64));
        ids.extend(std::iter::repeat_n(Token::PAD.id() as i64, width - row.len()));
    }
    Tensor::from_data(TensorData::new(ids, [rows.len(), width]), device)
}

/// `[B, T]` mask, 1.0 on the first `lengths[b]` steps of each row.
pub fn length_mask(lengths: &[usize], width: usize, device: &Device) -> Tensor<2> {
    let mut values = Vec::with_capacity(lengths.len() * width);
    for &len in lengths {
        values.extend((0..width).map(|t| if t < len { 1.0f32 } else { 0.0 }));
    }
    Tensor::from_data(TensorData::new(values, [lengths.len(), width]), device)
}

/// One seeded sampler per row of a batch.
pub(crate) fn row_samplers(rows: usize, seed: u64) -> Vec<Sampler> {
    (0..rows as u64).map(|i| Sampler::new(seed.wrapping_mul(1_000_003).wrapping_add(i))).collect()
}

/// An online model's language-model batch: the stream of the part it plays without its EOS,
/// for the chord policy input `BOS y1 x1 … yT` and target `y1 x1 … yT xT` (PAD where a window
/// is shorter).
pub struct StreamBatch {
    pub input: Tensor<2, Int>,
    pub target: Tensor<2, Int>,
    /// Real (non-PAD) target tokens in the batch.
    pub tokens: usize,
}

impl StreamBatch {
    pub fn new(windows: &[FrameTracks], part: Part, device: &Device) -> Self {
        let streams: Vec<Vec<Token>> = windows
            .iter()
            .map(|w| {
                let mut s = w.interleave(part);
                s.pop(); // EOS: a window's end is not the song's end.
                s
            })
            .collect();
        let inputs: Vec<Vec<Token>> = streams.iter().map(|s| s[..s.len() - 1].to_vec()).collect();
        let targets: Vec<Vec<Token>> = streams.iter().map(|s| s[1..].to_vec()).collect();
        let tokens = targets.iter().map(Vec::len).sum();
        StreamBatch { input: token_tensor(&inputs, device), target: token_tensor(&targets, device), tokens }
    }
}

/// Melody and chord frames side by side, `[B, T]` each, with their lengths.
pub struct FrameBatch {
    pub melody: Tensor<2, Int>,
    pub chords: Tensor<2, Int>,
    pub lengths: Vec<usize>,
}

impl FrameBatch {
    pub fn new(windows: &[FrameTracks], device: &Device) -> Self {
        let melody: Vec<Vec<Token>> = windows.iter().map(|w| w.melody.clone()).collect();
        let chords: Vec<Vec<Token>> = windows.iter().map(|w| w.chords.clone()).collect();
        FrameBatch {
            melody: token_tensor(&melody, device),
            chords: token_tensor(&chords, device),
            lengths: windows.iter().map(FrameTracks::len).collect(),
        }
    }

    pub fn width(&self) -> usize {
        self.melody.dims()[1]
    }

    /// The track `part` plays.
    pub fn track(&self, part: Part) -> Tensor<2, Int> {
        match part {
            Part::Chords => self.chords.clone(),
            Part::Melody => self.melody.clone(),
        }
    }

    /// The track `part` plays shifted right behind a BOS: the decoder input for predicting it.
    pub fn shifted(&self, part: Part) -> Tensor<2, Int> {
        let track = self.track(part);
        let [b, t] = track.dims();
        let bos = Tensor::<2, Int>::full([b, 1], Token::BOS.id() as i64, &track.device());
        Tensor::cat(vec![bos, track.slice([0..b, 0..t.saturating_sub(1)])], 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use comper_music::Note;

    #[test]
    fn stream_targets_are_inputs_shifted_by_one_and_padded() {
        let device = Device::flex();
        let long = FrameTracks::encode(&[Note { onset: 0.0, offset: 1.0, pitch: 60 }], &[]);
        let short = long.window(0, 2);
        let batch = StreamBatch::new(&[long, short], Part::Chords, &device);
        assert_eq!(batch.input.dims(), [2, 8]);
        let input: Vec<i64> = batch.input.into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
        let target: Vec<i64> = batch.target.into_data().convert::<i64>().try_to_vec::<i64>().unwrap();
        assert_eq!(input[0], Token::BOS.id() as i64);
        assert_eq!(&input[1..8], &target[0..7]);
        assert_eq!(batch.tokens, 8 + 4);
        assert_eq!(target[8 + 4..], [0, 0, 0, 0]);
    }
}
