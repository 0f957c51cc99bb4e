//! The exported ONNX step model computes what the burn model computes: burn's
//! full-sequence logits against ONNX Runtime run step by step with the state fed back, for
//! every policy family (the transformer's window shorter than the run, so its cache slides).

use burn::prelude::*;
use burn::tensor::TensorData;
use comper_inference::ChordEncoder;
use comper_inference::{ModelCard, OnnxPolicy, StepModel, environment, find_library};
use comper_music::Token;
use comper_train::export::card::{CardText, chord_encoder_card, policy_card};
use comper_train::export::chord_encoder::chord_encoder_onnx;
use comper_train::export::graph::{Dim, GraphBuilder, int_attr, ints_attr};
use comper_train::export::policy::{policy_from_step_onnx, policy_step_onnx};
use comper_train::models::contrastive::ContrastiveConfig;
use comper_train::models::policy::PolicyConfig;
use comper_train::models::policy::gru::GruConfig;
use comper_train::models::policy::transformer::TransformerConfig;
use onnx_protobuf::tensor_proto::DataType;
use std::collections::BTreeMap;

const STEPS: usize = 24;
const BATCH: usize = 3;

fn text() -> CardText {
    CardText {
        name: "parity".into(),
        version: "0".into(),
        description: "random weights".into(),
        window: 256,
        training: serde_json::Value::Null,
        metrics: BTreeMap::new(),
        command: String::new(),
    }
}

/// Small members of every family.
fn families() -> [PolicyConfig; 2] {
    [
        PolicyConfig::Gru(GruConfig { embedding: 24, hidden: 40, layers: 2, ..GruConfig::default() }),
        PolicyConfig::Transformer(TransformerConfig {
            d_model: 24,
            heads: 3,
            layers: 2,
            window: 10,
            ..TransformerConfig::default()
        }),
    ]
}

fn tiny_gru() -> PolicyConfig {
    PolicyConfig::Gru(GruConfig { embedding: 8, hidden: 8, layers: 1, ..GruConfig::default() })
}

fn card(config: &PolicyConfig) -> ModelCard {
    policy_card(config, comper_music::Part::Chords, text())
}

#[test]
fn onnx_runtime_steps_match_burn_full_sequence_logits() {
    for config in families() {
        onnx_steps_match_burn(&config);
    }
}

fn onnx_steps_match_burn(config: &PolicyConfig) {
    let device = Device::flex();
    device.seed(3);
    let policy = config.init(&device);
    let v = config.vocab();
    let ids: Vec<i64> = (0..BATCH * STEPS).map(|i| ((i * 37 + 11) % v) as i64).collect();
    let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids.clone(), [BATCH, STEPS]), &device);
    let expected: Vec<f32> = policy.forward(tokens).into_data().try_to_vec::<f32>().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.onnx");
    std::fs::write(&path, policy_step_onnx(&policy, &card(config).io)).unwrap();
    let library = find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)");
    let mut onnx = OnnxPolicy::load(environment(&library).unwrap(), &path, card(config)).unwrap();
    onnx.reset(BATCH);
    let mut worst = 0.0f32;
    for t in 0..STEPS {
        let step_tokens: Vec<i64> = (0..BATCH).map(|b| ids[b * STEPS + t]).collect();
        let logits = onnx.step(&step_tokens).unwrap();
        for b in 0..BATCH {
            for k in 0..v {
                let burn = expected[(b * STEPS + t) * v + k];
                worst = worst.max((burn - logits[[b, k]]).abs());
            }
        }
    }
    assert!(worst < 1e-4, "{}: max |burn − onnx| = {worst}", config.family());
}

#[test]
fn a_step_model_reads_back_into_the_policy_that_wrote_it() {
    let device = Device::flex();
    device.seed(5);
    for config in families() {
        let policy = config.init(&device);
        let io = card(&config).io;
        let bytes = policy_step_onnx(&policy, &io);
        let read = policy_from_step_onnx(&bytes, &config, &device).unwrap();
        assert_eq!(policy_step_onnx(&read, &io), bytes, "{}: every weight comes back bit for bit", config.family());

        let other = match &config {
            PolicyConfig::Gru(c) => PolicyConfig::Gru(GruConfig { hidden: 48, ..c.clone() }),
            PolicyConfig::Transformer(c) => PolicyConfig::Transformer(TransformerConfig { d_model: 30, ..c.clone() }),
        };
        let refused = policy_from_step_onnx(&bytes, &other, &device).err().unwrap();
        assert!(refused.contains("is not float"), "a card that disagrees with the weights is refused: {refused}");
        assert!(policy_from_step_onnx(b"not a model", &config, &device).is_err());
    }
}

#[test]
fn burn_step_matches_burn_full_sequence() {
    let device = Device::flex();
    device.seed(5);
    for config in families() {
        let policy = config.init(&device);
        let v = config.vocab();
        let ids: Vec<i64> = (0..2 * STEPS).map(|i| ((i * 13 + 5) % v) as i64).collect();
        let full = policy.forward(Tensor::<2, Int>::from_data(TensorData::new(ids.clone(), [2, STEPS]), &device));
        let mut state = policy.zero_state(2, &device);
        for t in 0..STEPS {
            let token = Tensor::<1, Int>::from_data(TensorData::new(vec![ids[t], ids[STEPS + t]], [2]), &device);
            let (logits, next) = policy.step(token, state);
            state = next;
            let reference = full.clone().slice([0..2, t..t + 1]).reshape([2, v]);
            let diff: f32 = (logits - reference).abs().max().into_scalar::<f32>();
            assert!(diff < 1e-5, "{} step {t}: {diff}", config.family());
        }
    }
}

#[test]
fn a_model_that_breaks_its_card_is_refused() {
    let device = Device::flex();
    let config = tiny_gru();
    let policy = config.init(&device);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("policy.onnx");
    std::fs::write(&path, policy_step_onnx(&policy, &card(&config).io)).unwrap();
    let mut wrong = card(&config);
    wrong.io.state = "hidden".into();
    let library = find_library(None).expect("ONNX Runtime");
    let err = OnnxPolicy::load(environment(&library).unwrap(), &path, wrong).err().expect("refused");
    assert!(err.to_string().contains("no tensor named 'hidden'"), "{err}");
    std::fs::write(&path, b"not onnx").unwrap();
    let err = OnnxPolicy::load(environment(&library).unwrap(), &path, card(&config)).err().expect("refused");
    assert!(err.to_string().starts_with("cannot load model"), "{err}");
}

/// A step model whose tensors have the card's names and types but not its shapes: the state
/// comes back twice as wide (`doubling`), or the logits one short of the vocabulary.
fn lying_step_model(config: &PolicyConfig, doubling: bool) -> Vec<u8> {
    let io = card(config).io;
    let [rows, columns] = config.state_shape();
    let mut g = GraphBuilder::new("lying");
    g.input(&io.token, DataType::INT64, &[Dim::Batch]);
    g.input(&io.state, DataType::FLOAT, &[Dim::Fixed(rows as i64), Dim::Batch, Dim::Fixed(columns as i64)]);
    let vocab = if doubling { config.vocab() } else { config.vocab() - 1 };
    let weight = g.floats("weight", &[columns, vocab], vec![0.0; columns * vocab]);
    let mean = g.op("ReduceMean", &[&io.state], vec![ints_attr("axes", &[0]), int_attr("keepdims", 0)]);
    g.node_named("MatMul", &[&mean, &weight], std::slice::from_ref(&io.logits), vec![]);
    if doubling {
        g.node_named("Concat", &[&io.state, &io.state], std::slice::from_ref(&io.new_state), vec![int_attr("axis", 2)]);
    } else {
        g.node_named("Identity", &[&io.state], std::slice::from_ref(&io.new_state), vec![]);
    }
    // Symbolic output axes, so nothing but running the model shows the lie.
    g.output(&io.logits, DataType::FLOAT, &[Dim::Batch, Dim::Time]);
    g.output(&io.new_state, DataType::FLOAT, &[Dim::Time, Dim::Batch, Dim::Time]);
    g.into_model_bytes("test", "a model that breaks its card at run time")
}

#[test]
fn a_model_whose_outputs_break_its_card_is_refused_at_the_first_step() {
    let config = tiny_gru();
    let library = find_library(None).expect("ONNX Runtime");
    let dir = tempfile::tempdir().unwrap();
    for (doubling, answered) in [(true, "a state (1, 1, 16)"), (false, "logits (1, 619)")] {
        let path = dir.path().join(format!("lying-{doubling}.onnx"));
        std::fs::write(&path, lying_step_model(&config, doubling)).unwrap();
        let mut onnx = OnnxPolicy::load(environment(&library).unwrap(), &path, card(&config)).unwrap();
        let err = onnx.step(&[Token::BOS.id() as i64]).expect_err("refused");
        assert!(err.to_string().contains(answered), "{err}");
        let mut state = onnx.initial_state();
        let err = StepModel::step(&mut onnx, &mut state, Token::BOS).expect_err("refused");
        assert!(err.to_string().contains(answered), "{err}");
        assert_eq!(state.dim(), (1, 1, 8), "the state is left as it was");
    }
}

#[test]
fn onnx_chord_encoder_matches_the_burn_chord_tower() {
    let device = Device::flex();
    device.seed(7);
    let config = ContrastiveConfig { embedding: 12, hidden: 20, output: 16, ..ContrastiveConfig::default() };
    let model = config.init(&device);
    let lengths = [9usize, 5, 1];
    let width = 9;
    let rows: Vec<Vec<Token>> = lengths
        .iter()
        .enumerate()
        .map(|(r, &len)| (0..len).map(|t| Token::from_id(260 + (r * 31 + t * 17) % 360).unwrap()).collect())
        .collect();
    let mut ids = Vec::new();
    let mut mask = Vec::new();
    for row in &rows {
        ids.extend((0..width).map(|t| row.get(t).map_or(Token::PAD.id() as i64, |k| k.id() as i64)));
        mask.extend((0..width).map(|t| if t < row.len() { 1.0f32 } else { 0.0 }));
    }
    let tokens = Tensor::<2, Int>::from_data(TensorData::new(ids, [rows.len(), width]), &device);
    let mask = Tensor::<2>::from_data(TensorData::new(mask, [rows.len(), width]), &device);
    let expected: Vec<f32> = model.chords.forward(tokens, mask).into_data().try_to_vec::<f32>().unwrap();

    let dir = tempfile::tempdir().unwrap();
    let card = chord_encoder_card(&config, text());
    std::fs::write(dir.path().join("model.onnx"), chord_encoder_onnx(&model.chords, &config, &card.io)).unwrap();
    card.save(&dir.path().join("card.json")).unwrap();
    let library = find_library(None).expect("ONNX Runtime (run `cargo xtask test`, which provisions it)");
    let mut encoder = ChordEncoder::load(environment(&library).unwrap(), dir.path()).unwrap();
    let slices: Vec<&[Token]> = rows.iter().map(Vec::as_slice).collect();
    let embedding = encoder.embed(&slices).unwrap();
    assert_eq!(embedding.dim(), (3, 16));
    let worst = embedding.iter().zip(&expected).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "max |burn − onnx| = {worst}");
}
