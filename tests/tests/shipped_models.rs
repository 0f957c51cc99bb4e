//! Every model shipped in `models/` loads in ONNX Runtime from Rust, matches its card and
//! answers a melody with chord predictions; the evaluation's chord encoder embeds chord
//! tracks as unit vectors that tell progressions apart; the melody agent plays the melody.

use comper_inference::card::policy_folders;
use comper_inference::{ChordEncoder, ModelCard, OnnxPolicy, environment, find_library};
use comper_music::{Part, Token, TokenKind};
use std::path::PathBuf;

fn models() -> PathBuf {
    PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../models"))
}

fn shipped() -> Vec<PathBuf> {
    policy_folders(&models()).unwrap()
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

#[test]
fn the_shipped_chord_encoder_embeds_chord_tracks_as_unit_vectors() {
    let library = find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)");
    let dir = models().join("chord-encoder");
    assert!(!shipped().contains(&dir), "the chord encoder is not a policy");
    let mut encoder = ChordEncoder::load(environment(&library).unwrap(), &dir).unwrap();
    let bar = |name: &str| {
        let chord =
            comper_music::ChordId::all().find(|c| c.chord().to_string() == name).expect("a chord of the vocabulary");
        (0..16).map(move |f| if f == 0 { Token::chord_on(chord) } else { Token::chord_hold(chord) })
    };
    let pop: Vec<Token> = ["C", "G", "Am", "F"].iter().flat_map(|n| bar(n)).collect();
    let same: Vec<Token> = ["C", "G", "Am", "F"].iter().flat_map(|n| bar(n)).collect();
    let other: Vec<Token> = ["F#7", "F#7", "C#dim", "C#dim"].iter().flat_map(|n| bar(n)).collect();
    let e = encoder.embed(&[&pop, &same, &other, &pop[..16]]).unwrap();
    assert_eq!(e.dim(), (4, encoder.card().dimension));
    for row in e.outer_iter() {
        assert!((row.dot(&row) - 1.0).abs() < 1e-4);
    }
    assert!((e.row(0).dot(&e.row(1)) - 1.0).abs() < 1e-5, "the same progression embeds the same");
    assert!(e.row(0).dot(&e.row(2)) < 0.99, "different progressions embed apart");
}

#[test]
fn the_shipped_melody_agent_plays_the_melody_part() {
    let library = find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)");
    let dir = models().join("melody-agent");
    assert!(!shipped().contains(&dir), "the melody agent is not an accompanist");
    let card = ModelCard::load(&dir.join("card.json")).unwrap();
    assert!(card.check_plays(Part::Melody).is_ok() && card.check_plays(Part::Chords).is_err());
    let mut agent = OnnxPolicy::load(environment(&library).unwrap(), &dir.join("model.onnx"), card).unwrap();
    agent.reset(1);
    // Melody first: after BOS and after each chord it heard, the agent's best guess is a
    // melody token.
    let c = comper_music::ChordId::all().find(|c| c.chord().to_string() == "C").unwrap();
    let mut token = Token::BOS;
    for frame in 0..16 {
        let logits = agent.step(&[token.id() as i64]).unwrap();
        let best = (0..logits.ncols()).max_by(|&a, &b| logits[[0, a]].total_cmp(&logits[[0, b]])).unwrap();
        let note = Token::from_id(best).unwrap();
        assert!(note.is_melody_frame(), "frame {frame}: {}", note.describe());
        agent.step(&[note.id() as i64]).unwrap();
        token = if frame % 16 == 0 { Token::chord_on(c) } else { Token::chord_hold(c) };
    }
}

/// The conditional chord steps every candidate at once: one batched run of the graph gives
/// what one run per candidate gives.
#[test]
fn a_batched_step_gives_what_single_steps_give() {
    use comper_inference::StepModel;
    use comper_music::ChordId;
    let library = find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)");
    for dir in shipped() {
        let card = ModelCard::load(&dir.join("card.json")).unwrap();
        let mut policy = OnnxPolicy::load(environment(&library).unwrap(), &dir.join("model.onnx"), card).unwrap();
        let mut state = policy.initial_state();
        for token in [Token::BOS, Token::SILENCE, Token::note_on(64)] {
            StepModel::step(&mut policy, &mut state, token).unwrap();
        }
        let chords: Vec<Token> = (0..16).map(|i| Token::chord_on(ChordId::from_index(i * 11).unwrap())).collect();
        let batched = policy.step_each(&state, &chords).unwrap();
        for (chord, logits) in chords.iter().zip(&batched) {
            let single = StepModel::step(&mut policy, &mut state.clone(), *chord).unwrap();
            let most = single.iter().zip(logits).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            assert!(most < 1e-4, "{}: {chord:?} differs by {most}", dir.display());
        }
    }
}
