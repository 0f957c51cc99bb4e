//! The GRU policy's step function as an ONNX graph, written from the trained weights.
//!
//! Inputs `token: int64[batch]`, `state: float[layers, batch, hidden]`; outputs
//! `logits: float[batch, vocab]`, `new_state: float[layers, batch, hidden]` (names from
//! [`StepIo`]). The graph mirrors [`GruPolicy::step`] op for op; the parity test holds them
//! together. [`policy_from_step_onnx`] reads the weights back.

use super::graph::{Dim, GraphBuilder, Initializers, int_attr, linear};
use crate::batch::floats;
use crate::models::gru::{Gru, GruLayer};
use crate::models::policy::{GruPolicy, PolicyConfig};
use burn::module::Param;
use burn::nn::Embedding;
use burn::prelude::*;
use comper_inference::ModelCard;
use comper_inference::card::StepIo;
use comper_inference::runtime::MODEL_BYTES;
use comper_music::Part;
use onnx_protobuf::tensor_proto::DataType;
use std::path::Path;

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

/// The ONNX model bytes of `policy`'s step function.
pub fn policy_step_onnx(policy: &GruPolicy, config: &PolicyConfig, io: &StepIo) -> Vec<u8> {
    let mut g = GraphBuilder::new("comper_policy_step");
    let hidden = config.hidden;
    g.input(&io.token, DataType::INT64, &[Dim::Batch]);
    g.input(&io.state, DataType::FLOAT, &[Dim::Fixed(config.layers as i64), Dim::Batch, Dim::Fixed(hidden as i64)]);
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
    g.output(&io.logits, DataType::FLOAT, &[Dim::Batch, Dim::Fixed(config.vocab as i64)]);
    g.output(
        &io.new_state,
        DataType::FLOAT,
        &[Dim::Fixed(config.layers as i64), Dim::Batch, Dim::Fixed(hidden as i64)],
    );
    g.into_model_bytes("comper", "Comper online policy: one GRU step over the chord-first interleaved token stream")
}

/// The policy whose step graph [`policy_step_onnx`] wrote: a shipped model's weights, to
/// post-train it when its training checkpoint is gone. `config` (from its card) gives every
/// shape, and each weight must have it.
pub fn policy_from_step_onnx(model: &[u8], config: &PolicyConfig, device: &Device) -> Result<GruPolicy, String> {
    let weights = Initializers::read(model)?;
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

/// The policy of a shipped model folder (`card.json` and `model.onnx`) that plays `part`, with
/// the config its card gives: what post-training starts from when no checkpoint is at hand.
pub fn policy_from_model_folder(
    folder: &Path,
    part: Part,
    device: &Device,
) -> Result<(PolicyConfig, GruPolicy), String> {
    let card = ModelCard::load(&folder.join("card.json")).map_err(|e| e.to_string())?;
    card.check_compatible().and_then(|()| card.check_plays(part)).map_err(|e| e.to_string())?;
    let a = &card.architecture;
    let config =
        PolicyConfig { vocab: card.tokens.vocab_size, embedding: a.embedding, hidden: a.hidden, layers: a.layers };
    let path = folder.join("model.onnx");
    let model = comper_files::read_limited(&path, MODEL_BYTES).map_err(|e| format!("{}: {e}", path.display()))?;
    let policy = policy_from_step_onnx(&model, &config, device).map_err(|e| format!("{}: {e}", path.display()))?;
    Ok((config, policy))
}

/// What trained a checkpoint: its record holds the policy alone, or the RL models.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrainedBy {
    Mle,
    Rl,
}

/// The ONNX step model of the policy saved in a checkpoint folder (read on the CPU).
pub fn export_checkpoint(
    checkpoint_dir: &std::path::Path,
    config: &PolicyConfig,
    io: &StepIo,
    trained_by: TrainedBy,
) -> Result<Vec<u8>, crate::checkpoint::CheckpointError> {
    let policy = match trained_by {
        TrainedBy::Mle => crate::checkpoint::load_weights(checkpoint_dir, config.init(&Device::flex()))?,
        TrainedBy::Rl => crate::rl::load_policy(checkpoint_dir, config)?,
    };
    Ok(policy_step_onnx(&policy, config, io))
}
