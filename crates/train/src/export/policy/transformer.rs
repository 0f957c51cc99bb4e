//! The transformer policy's step graph, mirroring [`TransformerPolicy::step`]: the cache
//! rows slide one slot, the new token's keys and values take the last, and attention reads
//! the slots filled so far with their ALiBi biases.

use crate::batch::floats;
use crate::export::graph::{Dim, GraphBuilder, Initializers, int_attr, ints_attr, linear};
use crate::models::policy::transformer::{BLOCKED, TransformerConfig, TransformerLayer, TransformerPolicy};
use burn::module::Param;
use burn::nn::{Embedding, LayerNorm, LayerNormConfig};
use burn::prelude::*;
use comper_inference::card::StepIo;
use onnx_protobuf::tensor_proto::DataType;

/// burn's `LayerNorm` default, which every norm of the policy uses.
const NORM_EPSILON: f32 = 1e-5;

/// A layer norm over the last axis; writes its scale and bias as `name.gamma`, `name.beta`.
fn layer_norm(g: &mut GraphBuilder, name: &str, norm: &LayerNorm, x: &str) -> String {
    let d = norm.gamma.dims()[0];
    let gamma = g.floats(&format!("{name}.gamma"), &[d], floats(norm.gamma.val()));
    let beta = norm.beta.as_ref().map(|b| floats(b.val())).unwrap_or_else(|| vec![0.0; d]);
    let beta = g.floats(&format!("{name}.beta"), &[d], beta);
    let epsilon = onnx_protobuf::AttributeProto {
        name: "epsilon".into(),
        f: NORM_EPSILON,
        type_: onnx_protobuf::attribute_proto::AttributeType::FLOAT.into(),
        ..Default::default()
    };
    g.op("LayerNormalization", &[x, &gamma, &beta], vec![int_attr("axis", -1), epsilon])
}

/// `x W + b` for a `[B, in]` input, the weights written as `name`.
fn dense(g: &mut GraphBuilder, name: &str, layer: &burn::nn::Linear, x: &str) -> String {
    let (w, b) = linear(g, name, layer);
    g.op("Gemm", &[x, &w, &b], vec![])
}

/// burn's exact GELU: `x · (1 + erf(x / √2)) / 2`.
fn gelu(g: &mut GraphBuilder, x: &str, c: &Constants) -> String {
    let scaled = g.op("Mul", &[x, &c.inv_sqrt2], vec![]);
    let erf = g.op("Erf", &[&scaled], vec![]);
    let one_plus = g.op("Add", &[&erf, &c.one], vec![]);
    let product = g.op("Mul", &[x, &one_plus], vec![]);
    g.op("Mul", &[&product, &c.half], vec![])
}

/// The graph's shared constants.
struct Constants {
    nought: String,
    one: String,
    half: String,
    inv_sqrt2: String,
    blocked: String,
    scale: String,
    first_slot: String,
    second_slot: String,
    slots: String,
    columns: String,
    axis_1: String,
    /// Reshape targets.
    cache: String,
    heads_of_cache: String,
    query: String,
    newest: String,
    flat: String,
    row: String,
    mask: String,
}

/// One layer: returns the new `x` and the layer's new key and value rows `[1, B, W·d]`.
fn layer_step(
    g: &mut GraphBuilder,
    name: &str,
    layer: &TransformerLayer,
    x: &str,
    rows: [&str; 2],
    bias: &str,
    c: &Constants,
) -> (String, [String; 2]) {
    let n = layer_norm(g, &format!("{name}.norm_1"), &layer.norm_1, x);
    let q = dense(g, &format!("{name}.query"), &layer.query, &n);
    let q = g.op("Mul", &[&q, &c.scale], vec![]);
    let q = g.op("Reshape", &[&q, &c.query], vec![]);
    let mut slid = Vec::new();
    for (row, projection) in rows.iter().zip([("key", &layer.key), ("value", &layer.value)]) {
        let newest = dense(g, &format!("{name}.{}", projection.0), projection.1, &n);
        let newest = g.op("Reshape", &[&newest, &c.newest], vec![]);
        let cache = g.op("Reshape", &[row, &c.cache], vec![]);
        let kept = g.op("Slice", &[&cache, &c.second_slot, &c.slots, &c.axis_1], vec![]);
        slid.push(g.op("Concat", &[&kept, &newest], vec![int_attr("axis", 1)]));
    }
    let k = g.op("Reshape", &[&slid[0], &c.heads_of_cache], vec![]);
    let k = g.op("Transpose", &[&k], vec![ints_attr("perm", &[0, 2, 3, 1])]);
    let scores = g.op("MatMul", &[&q, &k], vec![]);
    let scores = g.op("Add", &[&scores, bias], vec![]);
    let weights = g.op("Softmax", &[&scores], vec![int_attr("axis", 3)]);
    let v = g.op("Reshape", &[&slid[1], &c.heads_of_cache], vec![]);
    let v = g.op("Transpose", &[&v], vec![ints_attr("perm", &[0, 2, 1, 3])]);
    let attended = g.op("MatMul", &[&weights, &v], vec![]);
    let attended = g.op("Reshape", &[&attended, &c.flat], vec![]);
    let attended = dense(g, &format!("{name}.output"), &layer.output, &attended);
    let x = g.op("Add", &[x, &attended], vec![]);
    let n = layer_norm(g, &format!("{name}.norm_2"), &layer.norm_2, &x);
    let inner = dense(g, &format!("{name}.inner"), &layer.inner, &n);
    let inner = gelu(g, &inner, c);
    let outer = dense(g, &format!("{name}.outer"), &layer.outer, &inner);
    let x = g.op("Add", &[&x, &outer], vec![]);
    let rows = [g.op("Reshape", &[&slid[0], &c.row], vec![]), g.op("Reshape", &[&slid[1], &c.row], vec![])];
    (x, rows)
}

/// The step graph of [`TransformerPolicy::step`]; the state is `[2L + 1, batch, W·d]`.
pub fn step_onnx(policy: &TransformerPolicy, io: &StepIo) -> Vec<u8> {
    let mut g = GraphBuilder::new("comper_policy_step");
    let [rows, columns] = policy.state_shape();
    let (d, h, w) = (policy.width(), policy.heads, policy.window);
    let dh = d / h;
    let state_dims = [Dim::Fixed(rows as i64), Dim::Batch, Dim::Fixed(columns as i64)];
    g.input(&io.token, DataType::INT64, &[Dim::Batch]);
    g.input(&io.state, DataType::FLOAT, &state_dims);
    let (w64, d64, h64, dh64) = (w as i64, d as i64, h as i64, dh as i64);
    let c = Constants {
        nought: g.floats("nought", &[], vec![0.0]),
        one: g.floats("one", &[], vec![1.0]),
        half: g.floats("half", &[], vec![0.5]),
        inv_sqrt2: g.floats("inv_sqrt2", &[], vec![std::f32::consts::FRAC_1_SQRT_2]),
        blocked: g.floats("blocked", &[], vec![BLOCKED]),
        scale: g.floats("scale", &[], vec![1.0 / (dh as f32).sqrt()]),
        first_slot: g.ints("slot.first", &[1], &[0]),
        second_slot: g.ints("slot.second", &[1], &[1]),
        slots: g.ints("slot.end", &[1], &[w64]),
        columns: g.ints("column.end", &[1], &[columns as i64]),
        axis_1: g.ints("axis.1", &[1], &[1]),
        cache: g.ints("shape.cache", &[3], &[-1, w64, d64]),
        heads_of_cache: g.ints("shape.heads_of_cache", &[4], &[-1, w64, h64, dh64]),
        query: g.ints("shape.query", &[4], &[-1, h64, 1, dh64]),
        newest: g.ints("shape.newest", &[3], &[-1, 1, d64]),
        flat: g.ints("shape.flat", &[2], &[-1, d64]),
        row: g.ints("shape.row", &[3], &[1, -1, columns as i64]),
        mask: g.ints("shape.mask", &[4], &[-1, 1, 1, w64]),
    };
    let row = |g: &mut GraphBuilder, r: usize| {
        let index = g.ints(&format!("state.index{r}"), &[], &[r as i64]);
        g.op("Gather", &[&io.state, &index], vec![int_attr("axis", 0)])
    };
    // The filled slots slide with the cache; the new token's slot is always filled.
    let flags = row(&mut g, rows - 1);
    let kept = g.op("Slice", &[&flags, &c.second_slot, &c.slots, &c.axis_1], vec![]);
    let first = g.op("Slice", &[&flags, &c.first_slot, &c.second_slot, &c.axis_1], vec![]);
    let zeroed = g.op("Mul", &[&first, &c.nought], vec![]);
    let ones = g.op("Add", &[&zeroed, &c.one], vec![]);
    let filled = g.op("Concat", &[&kept, &ones], vec![int_attr("axis", 1)]);
    let empty = g.op("Sub", &[&c.one, &filled], vec![]);
    let blocked = g.op("Mul", &[&empty, &c.blocked], vec![]);
    let blocked = g.op("Reshape", &[&blocked, &c.mask], vec![]);
    let alibi = floats(policy.step_bias(&Device::flex()));
    let alibi = g.floats("alibi", &[1, h, 1, w], alibi);
    let bias = g.op("Add", &[&alibi, &blocked], vec![]);

    let [v, _] = policy.embedding.weight.dims();
    let table = g.floats("embedding.weight", &[v, d], floats(policy.embedding.weight.val()));
    let mut x = g.op("Gather", &[&table, &io.token], vec![int_attr("axis", 0)]);
    let mut new_rows = Vec::new();
    for (l, layer) in policy.layers.iter().enumerate() {
        let keys = row(&mut g, 2 * l);
        let values = row(&mut g, 2 * l + 1);
        let (next, slid) = layer_step(&mut g, &format!("layers.{l}"), layer, &x, [&keys, &values], &bias, &c);
        x = next;
        new_rows.extend(slid);
    }
    let unused = g.op("Slice", &[&flags, &c.slots, &c.columns, &c.axis_1], vec![]);
    let last = g.op("Concat", &[&filled, &unused], vec![int_attr("axis", 1)]);
    new_rows.push(g.op("Reshape", &[&last, &c.row], vec![]));
    let stacked: Vec<&str> = new_rows.iter().map(String::as_str).collect();
    g.node_named("Concat", &stacked, std::slice::from_ref(&io.new_state), vec![int_attr("axis", 0)]);
    let top = layer_norm(&mut g, "norm", &policy.norm, &x);
    let (wo, bo) = linear(&mut g, "head", &policy.head);
    g.node_named("Gemm", &[&top, &wo, &bo], std::slice::from_ref(&io.logits), vec![]);
    g.output(&io.logits, DataType::FLOAT, &[Dim::Batch, Dim::Fixed(v as i64)]);
    g.output(&io.new_state, DataType::FLOAT, &state_dims);
    g.into_model_bytes("comper", "Comper online policy: one causal transformer step (ALiBi, key and value cache)")
}

/// The transformer policy whose step graph [`step_onnx`] wrote.
pub fn from_weights(
    weights: &Initializers,
    config: &TransformerConfig,
    device: &Device,
) -> Result<TransformerPolicy, String> {
    let d = config.d_model;
    let norm = |name: &str| -> Result<LayerNorm, String> {
        let mut norm = LayerNormConfig::new(d).init(device);
        norm.gamma = Param::from_tensor(weights.tensor(&format!("{name}.gamma"), [d], device)?);
        norm.beta = Some(Param::from_tensor(weights.tensor(&format!("{name}.beta"), [d], device)?));
        Ok(norm)
    };
    let layer = |l: usize| -> Result<TransformerLayer, String> {
        let name = |part: &str| format!("layers.{l}.{part}");
        Ok(TransformerLayer {
            norm_1: norm(&name("norm_1"))?,
            query: weights.linear(&name("query"), [d, d], device)?,
            key: weights.linear(&name("key"), [d, d], device)?,
            value: weights.linear(&name("value"), [d, d], device)?,
            output: weights.linear(&name("output"), [d, d], device)?,
            norm_2: norm(&name("norm_2"))?,
            inner: weights.linear(&name("inner"), [d, 4 * d], device)?,
            outer: weights.linear(&name("outer"), [4 * d, d], device)?,
        })
    };
    let table = weights.tensor("embedding.weight", [config.vocab, d], device)?;
    Ok(TransformerPolicy {
        embedding: Embedding { weight: Param::from_tensor(table) },
        layers: (0..config.layers).map(layer).collect::<Result<_, String>>()?,
        norm: norm("norm")?,
        head: weights.linear("head", [d, config.vocab], device)?,
        heads: config.heads,
        window: config.window,
    })
}
