//! The evaluation on the real test split with the shipped default model: the online runner
//! is deterministic whatever the thread count, plays only well-formed chord tracks, and
//! the ground truth outscores the model on harmony.

use comper_data::Split;
use comper_data::corpus::{Corpus, SourcePaths, import_sources};
use comper_data::windows::fixed_windows;
use comper_eval::harmony::harmony;
use comper_eval::runner::{PAPER_PROTOCOL, accompany_all};
use comper_inference::{ModelCard, OnnxPolicy, environment, find_library};
use comper_music::{FrameTracks, Token};
use comper_tests::data_dir;
use std::path::PathBuf;

#[test]
fn the_shipped_model_accompanies_test_melodies_reproducibly() {
    let imports = import_sources(&SourcePaths::from_data_root(&data_dir()), |_| {}).expect("datasets present");
    let corpus = Corpus::build(&imports, 42);
    let songs: Vec<FrameTracks> =
        corpus.split(Split::Test).take(6).map(|s| FrameTracks::encode(&s.melody, &s.chords)).collect();
    let takes = fixed_windows(&songs, 96, 42);
    let melodies: Vec<&[Token]> = takes.iter().map(|t| t.melody.as_slice()).collect();

    let library = find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)");
    let dir = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models/online-mle"));
    let card = ModelCard::load(&dir.join("card.json")).unwrap();
    let load = || OnnxPolicy::load(environment(&library).unwrap(), &dir.join("model.onnx"), card.clone());
    let run = |threads| accompany_all(&melodies, threads, load, card.window, &PAPER_PROTOCOL, 7, &|| {}).unwrap();
    let played = run(1);
    assert_eq!(played, run(2), "the same seed gives the same chords on any number of threads");

    let played: Vec<FrameTracks> =
        takes.iter().zip(played).map(|(t, chords)| FrameTracks { melody: t.melody.clone(), chords }).collect();
    for take in &played {
        assert_eq!(take.chords.len(), take.melody.len());
        assert!(take.chords.iter().all(|c| c.is_chord_frame()));
        take.decode_chords().expect("every HOLD continues the chord before it");
    }
    let (truth, model) = (harmony(&takes).pooled.unwrap(), harmony(&played).pooled.unwrap());
    assert!(truth > 0.6 && model < truth, "ground truth {truth}, model {model}");
}
