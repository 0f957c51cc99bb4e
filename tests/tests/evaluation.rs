//! The evaluation on the real test split with the shipped default model: the online runner
//! is deterministic whatever the thread count, plays only well-formed chord tracks, and
//! the ground truth outscores the model on harmony.

use comper_data::windows::fixed_windows;
use comper_eval::checkpoints::Checkpoint;
use comper_eval::harmony::harmony;
use comper_eval::runner::{PAPER_PROTOCOL, accompany_all};
use comper_inference::{OnnxPolicy, environment};
use comper_music::{FrameTracks, Part, Token};
use comper_tests::{onnx_runtime, test_songs, workspace};

#[test]
fn the_shipped_model_accompanies_test_melodies_reproducibly() {
    let songs: Vec<FrameTracks> = test_songs().songs.into_iter().take(6).map(|song| song.tracks).collect();
    let takes = fixed_windows(&songs, 96, 42);
    let melodies: Vec<&[Token]> = takes.iter().map(|t| t.melody.as_slice()).collect();

    let library = onnx_runtime();
    let model = Checkpoint::load(&workspace().join("models/online-mle"), Part::Chords).unwrap();
    let load = || OnnxPolicy::load(environment(&library).unwrap(), &model.model(), model.card.clone());
    let run = |threads| accompany_all(&melodies, threads, load, model.card.window, &PAPER_PROTOCOL, 7, &|| {}).unwrap();
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
