//! The corpus as the trainers see it: frame tracks per split.

use comper_data::{Corpus, Split};
use comper_music::FrameTracks;

/// Tokenized songs of each split.
pub struct SplitFrames {
    pub train: Vec<FrameTracks>,
    pub valid: Vec<FrameTracks>,
    pub test: Vec<FrameTracks>,
}

impl SplitFrames {
    pub fn from_corpus(corpus: &Corpus) -> SplitFrames {
        let frames = |split| corpus.split(split).map(|s| FrameTracks::encode(&s.melody, &s.chords)).collect();
        SplitFrames { train: frames(Split::Train), valid: frames(Split::Valid), test: frames(Split::Test) }
    }
}
