//! Reproducible train/valid/test splits, written to a manifest every later command reads.
//!
//! Per source, song ids are sorted, shuffled with a seeded ChaCha8 generator (seed + the
//! source's index, so adding a source does not reshuffle the others) and sliced 80/10/10.

use comper_music::Source;
use rand::SeedableRng;
use rand::rngs::ChaCha8Rng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Valid,
    Test,
}

impl Split {
    pub const ALL: [Split; 3] = [Split::Train, Split::Valid, Split::Test];

    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Valid => "valid",
            Split::Test => "test",
        }
    }
}

/// The song ids of each split, per source.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceSplits {
    pub train: Vec<String>,
    pub valid: Vec<String>,
    pub test: Vec<String>,
}

impl SourceSplits {
    pub fn ids(&self, split: Split) -> &[String] {
        match split {
            Split::Train => &self.train,
            Split::Valid => &self.valid,
            Split::Test => &self.test,
        }
    }
}

/// Which split every song belongs to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manifest {
    pub seed: u64,
    pub sources: BTreeMap<Source, SourceSplits>,
}

impl Manifest {
    /// Split the given song ids of each source 80/10/10 with `seed`.
    pub fn new(seed: u64, songs: &BTreeMap<Source, Vec<String>>) -> Manifest {
        let sources = songs
            .iter()
            .map(|(&source, ids)| {
                let source_index = Source::ALL.iter().position(|&s| s == source).unwrap_or(0) as u64;
                (source, split_ids(ids, seed.wrapping_add(source_index)))
            })
            .collect();
        Manifest { seed, sources }
    }

    /// The names of the sources that have songs to train on, as a model card lists its data.
    pub fn training_sources(&self) -> Vec<String> {
        self.sources.iter().filter(|(_, s)| !s.train.is_empty()).map(|(source, _)| source.name().into()).collect()
    }

    /// The split of a song, if the manifest lists it.
    pub fn split_of(&self, source: Source, song_id: &str) -> Option<Split> {
        let splits = self.sources.get(&source)?;
        Split::ALL.into_iter().find(|&s| splits.ids(s).iter().any(|id| id == song_id))
    }
}

fn split_ids(ids: &[String], seed: u64) -> SourceSplits {
    let mut ids = ids.to_vec();
    ids.sort();
    ids.dedup();
    ids.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let n = ids.len();
    let n_train = (n as f64 * 0.8).round() as usize;
    let n_valid = ((n as f64 * 0.1).round() as usize).min(n - n_train);
    let test = ids.split_off(n_train + n_valid);
    let valid = ids.split_off(n_train);
    let sorted = |mut v: Vec<String>| {
        v.sort();
        v
    };
    SourceSplits { train: sorted(ids), valid: sorted(valid), test: sorted(test) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn songs(n: usize) -> BTreeMap<Source, Vec<String>> {
        BTreeMap::from([(Source::Pop909, (0..n).map(|i| format!("{i:03}")).collect())])
    }

    #[test]
    fn the_training_sources_are_those_with_songs_to_train_on() {
        let mut songs = songs(20);
        songs.insert(Source::Hooktheory, Vec::new());
        songs.insert(Source::MusicXml, (0..3).map(|i| i.to_string()).collect());
        assert_eq!(Manifest::new(1, &songs).training_sources(), ["pop909", "musicxml"]);
    }

    #[test]
    fn splits_are_80_10_10_disjoint_and_seeded() {
        let a = Manifest::new(42, &songs(909));
        let s = &a.sources[&Source::Pop909];
        assert_eq!((s.train.len(), s.valid.len(), s.test.len()), (727, 91, 91));
        let mut all: Vec<_> = s.train.iter().chain(&s.valid).chain(&s.test).collect();
        all.sort();
        all.dedup();
        assert_eq!(all.len(), 909);
        assert_eq!(a, Manifest::new(42, &songs(909)));
        assert_ne!(a, Manifest::new(7, &songs(909)));
        assert_eq!(a.split_of(Source::Pop909, &s.test[0]), Some(Split::Test));
    }

    #[test]
    fn input_order_does_not_matter() {
        let mut reversed = songs(50);
        reversed.get_mut(&Source::Pop909).unwrap().reverse();
        assert_eq!(Manifest::new(1, &songs(50)), Manifest::new(1, &reversed));
    }
}
