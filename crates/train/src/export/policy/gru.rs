//! The GRU policy's step graph: the embedding, one [`gru_step`] per layer, the head.

use crate::batch::floats;
use crate::export::graph::{Dim, GraphBuilder, Initializers, int_attr, linear};
use crate::models::gru::{Gru, GruLayer};
use crate::models::policy::gru::{GruConfig, GruPolicy};
use burn::module::Param;
use burn::nn::Embedding;
use burn::prelude::*;
use comper_inference::card::StepIo;
use onnx_protobuf::tensor_proto::DataType;

/// One GRU layer's step: `h' = n + z * (h - n)` with PyTorch's gates.
fn gru_step(g: &mut GraphBuilder, name: &str, layer: &GruLayer, x: &str, h: &str, split: &str) -> String {
    let (wi, bi) = linear(g, &format!("{name}.ih"), &layer.ih);
    let (wh, bh) = linear(g, &format!("{name}.hh"), &layer.hh);
    let xp = g.op("Gemm", &[x, &wi, &bi], vec![]);
    let hp = g.op("Gemm", &[h, &wh, &bh], vec![]);
    let xs = g.node("Split", &[&xp, split], 3, vec![int_attr("axis", 1)]);
    let hs = g.node("Split", &[&hp, split], 3, vec![int_attr("axis", 1)]);
    let r_in = g.op("Add", &[&xs[0], &hs[0]], vec![]);
    let r = g.op("Sigmoid", &[&r_in], vec![]);
    let z_in = g.op("Add", &[&xs[1], &hs[1]], vec![]);
    let z = g.op("Sigmoid", &[&z_in], vec![]);
    let rh = g.op("Mul", &[&r, &hs[2]], vec![]);
    let n_in = g.op("Add", &[&xs[2], &rh], vec![]);
    let n = g.op("Tanh", &[&n_in], vec![]);
    let diff = g.op("Sub", &[h, &n], vec![]);
    let zd = g.op("Mul", &[&z, &diff], vec![]);
    g.op("Add", &[&n, &zd], vec![])
}

/// The step graph of [`GruPolicy::step`]; the state is `[layers, batch, hidden]`.
pub fn step_onnx(policy: &GruPolicy, io: &StepIo) -> Vec<u8> {
    let mut g = GraphBuilder::new("comper_policy_step");
    let [layers, hidden] = policy.state_shape();
    let state_dims = [Dim::Fixed(layers as i64), Dim::Batch, Dim::Fixed(hidden as i64)];
    g.input(&io.token, DataType::INT64, &[Dim::Batch]);
    g.input(&io.state, DataType::FLOAT, &state_dims);
    let [v, e] = policy.embedding.weight.dims();
    let table = g.floats("embedding.weight", &[v, e], floats(policy.embedding.weight.val()));
    let split = g.ints("gru.split", &[3], &[hidden as i64; 3]);
    let axes = g.ints("state.axes", &[1], &[0]);
    let mut x = g.op("Gather", &[&table, &io.token], vec![int_attr("axis", 0)]);
    let mut layers_out = Vec::new();
    for (l, layer) in policy.gru.layers.iter().enumerate() {
        let index = g.ints(&format!("state.index{l}"), &[], &[l as i64]);
        let h = g.op("Gather", &[&io.state, &index], vec![int_attr("axis", 0)]);
        x = gru_step(&mut g, &format!("gru.{l}"), layer, &x, &h, &split);
        layers_out.push(g.op("Unsqueeze", &[&x, &axes], vec![]));
    }
    let stacked: Vec<&str> = layers_out.iter().map(String::as_str).collect();
    g.node_named("Concat", &stacked, std::slice::from_ref(&io.new_state), vec![int_attr("axis", 0)]);
    let (wo, bo) = linear(&mut g, "head", &policy.head);
    g.node_named("Gemm", &[&x, &wo, &bo], std::slice::from_ref(&io.logits), vec![]);
    g.output(&io.logits, DataType::FLOAT, &[Dim::Batch, Dim::Fixed(v as i64)]);
    g.output(&io.new_state, DataType::FLOAT, &state_dims);
    g.into_model_bytes("comper", "Comper online policy: one GRU step over the chord-first interleaved token stream")
}

/// The GRU policy whose step graph [`step_onnx`] wrote.
pub fn from_weights(weights: &Initializers, config: &GruConfig, device: &Device) -> Result<GruPolicy, String> {
    let (e, h) = (config.embedding, config.hidden);
    let layer = |l: usize| {
        let input = if l == 0 { e } else { h };
        let ih = weights.linear(&format!("gru.{l}.ih"), [input, 3 * h], device)?;
        Ok(GruLayer { ih, hh: weights.linear(&format!("gru.{l}.hh"), [h, 3 * h], device)? })
    };
    let table = weights.tensor("embedding.weight", [config.vocab, e], device)?;
    Ok(GruPolicy {
        embedding: Embedding { weight: Param::from_tensor(table) },
        gru: Gru { layers: (0..config.layers).map(layer).collect::<Result<_, String>>()? },
        head: weights.linear("head", [h, config.vocab], device)?,
    })
}
