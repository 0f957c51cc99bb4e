//! Every model shipped in `models/` loads in ONNX Runtime from Rust, matches its card and
//! answers a melody with chord predictions.

use comper_inference::{ModelCard, OnnxPolicy, environment, find_library};
use comper_music::{Token, TokenKind};
use std::path::PathBuf;

fn shipped() -> Vec<PathBuf> {
    let models = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models"));
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(models)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("card.json").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn the_default_model_is_shipped() {
    assert!(shipped().iter().any(|d| d.ends_with("online-mle")), "{:?}", shipped());
}

#[test]
fn shipped_models_load_in_onnx_runtime_and_predict_chords() {
    let library = find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)");
    for dir in shipped() {
        let card = ModelCard::load(&dir.join("card.json")).unwrap();
        let size = std::fs::metadata(dir.join("model.onnx")).unwrap().len();
        assert!(size < 8 << 20, "{} is {size} bytes", dir.display());
        let mut policy = OnnxPolicy::load(environment(&library).unwrap(), &dir.join("model.onnx"), card).unwrap();
        policy.reset(1);
        // BOS, then one bar of C major arpeggio with the model's own chord choices.
        let mut token = Token::BOS;
        let mut chord_frames = 0;
        for frame in 0..16 {
            let logits = policy.step(&[token.id() as i64]).unwrap();
            assert!(logits.iter().all(|v| v.is_finite()));
            let best = (0..logits.ncols()).max_by(|&a, &b| logits[[0, a]].total_cmp(&logits[[0, b]])).unwrap();
            let chord = Token::from_id(best).unwrap();
            chord_frames += usize::from(chord.is_chord_frame());
            policy.step(&[chord.id() as i64]).unwrap();
            let pitch = [60, 64, 67, 72][frame / 4];
            token = if frame % 4 == 0 { Token::note_on(pitch) } else { Token::note_hold(pitch) };
            assert!(matches!(token.kind(), TokenKind::NoteOn(_) | TokenKind::NoteHold(_)));
        }
        assert!(chord_frames >= 12, "{}: only {chord_frames} of 16 chord slots got a chord or silence", dir.display());
    }
}
