//! The contrastive reward's chord tower as one ONNX graph over a whole sequence, for the
//! evaluation's diversity score: `tokens int64[batch, time]`, `mask float[batch, time]` →
//! `embedding float[batch, output]` (names from [`EncoderIo`]).
//!
//! The recurrence is ONNX's own `GRU` operator with `linear_before_reset = 1`, which is
//! PyTorch's (and our [`GruLayer`]'s) arithmetic; only the gate blocks are reordered
//! (ours r, z, n; ONNX z, r, h). The parity test holds the graph to [`Tower::forward`].

use super::graph::{Dim, GraphBuilder, int_attr, ints_attr, linear};
use crate::batch::floats;
use crate::export::card::chord_encoder_run_card;
use crate::models::contrastive::{ContrastiveConfig, Tower};
use crate::models::gru::GruLayer;
use crate::run_record::TrainedRun;
use comper_inference::encoder::{EncoderCard, EncoderIo};
use onnx_protobuf::tensor_proto::DataType;

/// Our gate block order (r, z, n) rearranged as ONNX's (z, r, h).
const ONNX_GATE_ORDER: [usize; 3] = [1, 0, 2];

/// A `[in, 3H]` burn weight as ONNX's `[1, 3H, in]` with the gate blocks reordered.
fn gate_weight(weight: &[f32], inputs: usize, hidden: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(weight.len());
    for block in ONNX_GATE_ORDER {
        for j in 0..hidden {
            out.extend((0..inputs).map(|i| weight[i * 3 * hidden + block * hidden + j]));
        }
    }
    out
}

fn gate_bias(bias: &[f32], hidden: usize) -> Vec<f32> {
    ONNX_GATE_ORDER.iter().flat_map(|&block| bias[block * hidden..(block + 1) * hidden].iter().copied()).collect()
}

/// One layer over `[T, B, in]` → `[T, B, H]`.
fn gru_layer(g: &mut GraphBuilder, name: &str, layer: &GruLayer, x: &str, squeeze_axes: &str) -> String {
    let hidden = layer.hidden();
    let inputs = layer.ih.weight.dims()[0];
    let bias = |l: &burn::nn::Linear| l.bias.as_ref().map(|b| floats(b.val())).unwrap_or_else(|| vec![0.0; 3 * hidden]);
    let w = g.floats(
        &format!("{name}.W"),
        &[1, 3 * hidden, inputs],
        gate_weight(&floats(layer.ih.weight.val()), inputs, hidden),
    );
    let r = g.floats(
        &format!("{name}.R"),
        &[1, 3 * hidden, hidden],
        gate_weight(&floats(layer.hh.weight.val()), hidden, hidden),
    );
    let mut b = gate_bias(&bias(&layer.ih), hidden);
    b.extend(gate_bias(&bias(&layer.hh), hidden));
    let b = g.floats(&format!("{name}.B"), &[1, 6 * hidden], b);
    let attributes = vec![int_attr("hidden_size", hidden as i64), int_attr("linear_before_reset", 1)];
    let y = g.op("GRU", &[x, &w, &r, &b], attributes);
    g.op("Squeeze", &[&y, squeeze_axes], vec![])
}

/// The ONNX model bytes of the chord tower of a contrastive reward model.
pub fn chord_encoder_onnx(tower: &Tower, config: &ContrastiveConfig, io: &EncoderIo) -> Vec<u8> {
    let mut g = GraphBuilder::new("comper_chord_encoder");
    g.input(&io.tokens, DataType::INT64, &[Dim::Batch, Dim::Time]);
    g.input(&io.mask, DataType::FLOAT, &[Dim::Batch, Dim::Time]);
    let [v, e] = tower.embedding.weight.dims();
    let table = g.floats("embedding.weight", &[v, e], floats(tower.embedding.weight.val()));
    let axis1 = g.ints("axis1", &[1], &[1]);
    let axis2 = g.ints("axis2", &[1], &[2]);
    let one = g.floats("one", &[1], vec![1.0]);
    let epsilon = g.floats("epsilon", &[1], vec![1e-6]);
    let embedded = g.op("Gather", &[&table, &io.tokens], vec![int_attr("axis", 0)]);
    let mut x = g.op("Transpose", &[&embedded], vec![ints_attr("perm", &[1, 0, 2])]);
    for (l, layer) in tower.gru.layers.iter().enumerate() {
        x = gru_layer(&mut g, &format!("gru.{l}"), layer, &x, &axis1);
    }
    // Masked mean over time, as `models::masked_mean`.
    let states = g.op("Transpose", &[&x], vec![ints_attr("perm", &[1, 0, 2])]);
    let mask = g.op("Unsqueeze", &[&io.mask, &axis2], vec![]);
    let masked = g.op("Mul", &[&states, &mask], vec![]);
    let sum = g.op("ReduceSum", &[&masked, &axis1], vec![int_attr("keepdims", 0)]);
    let count = g.op("ReduceSum", &[&io.mask, &axis1], vec![int_attr("keepdims", 1)]);
    let count = g.op("Max", &[&count, &one], vec![]);
    let pooled = g.op("Div", &[&sum, &count], vec![]);
    let (wh, bh) = linear(&mut g, "hidden", &tower.hidden);
    let h = g.op("Gemm", &[&pooled, &wh, &bh], vec![]);
    let h = g.op("Relu", &[&h], vec![]);
    let (wo, bo) = linear(&mut g, "out", &tower.out);
    let out = g.op("Gemm", &[&h, &wo, &bo], vec![]);
    let squares = g.op("Mul", &[&out, &out], vec![]);
    let norm = g.op("ReduceSum", &[&squares, &axis1], vec![int_attr("keepdims", 1)]);
    let norm = g.op("Sqrt", &[&norm], vec![]);
    let norm = g.op("Max", &[&norm, &epsilon], vec![]);
    g.node_named("Div", &[&out, &norm], std::slice::from_ref(&io.embedding), vec![]);
    g.output(&io.embedding, DataType::FLOAT, &[Dim::Batch, Dim::Fixed(config.output as i64)]);
    g.into_model_bytes("comper", "Comper chord encoder: the contrastive reward's chord tower over a whole chord track")
}

/// The ONNX chord encoder and card of the contrastive model that `run` trained (read on the CPU).
pub fn export_run(run: &TrainedRun) -> Result<(EncoderCard, Vec<u8>), String> {
    let config: ContrastiveConfig = run.config()?;
    let model = crate::checkpoint::load_weights(&run.checkpoint, config.init(&burn::prelude::Device::flex()))
        .map_err(|e| e.to_string())?;
    let card = chord_encoder_run_card(run, &config);
    let onnx = chord_encoder_onnx(&model.chords, &config, &card.io);
    Ok((card, onnx))
}
