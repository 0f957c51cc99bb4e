//! A small builder over the ONNX protobuf messages (`onnx-protobuf`): named initializers
//! (also straight from burn layers), nodes and typed inputs/outputs with symbolic batch and
//! time axes; and [`Initializers`], which reads the weights of such a model back.

use crate::batch::floats;
use burn::module::Param;
use burn::nn::Linear;
use burn::prelude::*;
use burn::tensor::TensorData;
use onnx_protobuf::tensor_proto::DataType;
use onnx_protobuf::tensor_shape_proto::{Dimension, dimension};
use onnx_protobuf::type_proto::{self, Tensor as TensorType};
use onnx_protobuf::{
    AttributeProto, GraphProto, Message, ModelProto, NodeProto, OperatorSetIdProto, TensorProto, TensorShapeProto,
    TypeProto, ValueInfoProto, attribute_proto::AttributeType,
};

/// ONNX opset the graphs use (`Split` and `Unsqueeze` take their sizes and axes as inputs).
pub const OPSET: i64 = 17;
/// IR version matching the opset.
const IR_VERSION: i64 = 8;

/// One dimension of a declared input or output.
#[derive(Clone, Copy)]
pub enum Dim {
    Fixed(i64),
    /// The dynamic batch axis, named `batch`.
    Batch,
    /// A dynamic sequence axis, named `time`.
    Time,
}

#[derive(Default)]
pub struct GraphBuilder {
    graph: GraphProto,
    counter: usize,
}

impl GraphBuilder {
    pub fn new(name: &str) -> Self {
        GraphBuilder { graph: GraphProto { name: name.into(), ..GraphProto::default() }, counter: 0 }
    }

    /// A float initializer; returns its name.
    pub fn floats(&mut self, name: &str, dims: &[usize], values: Vec<f32>) -> String {
        assert_eq!(dims.iter().product::<usize>(), values.len(), "initializer {name}: shape and data disagree");
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializer(name, dims, DataType::FLOAT, raw)
    }

    /// An int64 initializer; returns its name.
    pub fn ints(&mut self, name: &str, dims: &[usize], values: &[i64]) -> String {
        let raw = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        self.initializer(name, dims, DataType::INT64, raw)
    }

    fn initializer(&mut self, name: &str, dims: &[usize], data_type: DataType, raw_data: Vec<u8>) -> String {
        self.graph.initializer.push(TensorProto {
            name: name.into(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type as i32,
            raw_data,
            ..TensorProto::default()
        });
        name.into()
    }

    /// Add a node; returns the names of its `outputs` fresh outputs.
    pub fn node(&mut self, op: &str, inputs: &[&str], outputs: usize, attributes: Vec<AttributeProto>) -> Vec<String> {
        self.counter += 1;
        let names: Vec<String> = (0..outputs).map(|i| format!("{}_{}_{i}", op.to_lowercase(), self.counter)).collect();
        self.node_named(op, inputs, &names, attributes);
        names
    }

    /// Add a node with one fresh output; returns its name.
    pub fn op(&mut self, op: &str, inputs: &[&str], attributes: Vec<AttributeProto>) -> String {
        self.node(op, inputs, 1, attributes).remove(0)
    }

    /// Add a node whose outputs have the given names (for graph outputs).
    pub fn node_named(&mut self, op: &str, inputs: &[&str], outputs: &[String], attributes: Vec<AttributeProto>) {
        self.graph.node.push(NodeProto {
            op_type: op.into(),
            name: format!("{op}_{}", self.graph.node.len()),
            input: inputs.iter().map(|s| s.to_string()).collect(),
            output: outputs.to_vec(),
            attribute: attributes,
            ..NodeProto::default()
        });
    }

    pub fn input(&mut self, name: &str, elem: DataType, dims: &[Dim]) {
        self.graph.input.push(value_info(name, elem, dims));
    }

    pub fn output(&mut self, name: &str, elem: DataType, dims: &[Dim]) {
        self.graph.output.push(value_info(name, elem, dims));
    }

    /// The serialized model.
    pub fn into_model_bytes(self, producer: &str, doc: &str) -> Vec<u8> {
        let model = ModelProto {
            ir_version: IR_VERSION,
            producer_name: producer.into(),
            doc_string: doc.into(),
            opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET, ..Default::default() }],
            graph: Some(self.graph).into(),
            ..ModelProto::default()
        };
        model.write_to_bytes().expect("in-memory protobuf encoding cannot fail")
    }
}

/// An integer attribute.
pub fn int_attr(name: &str, value: i64) -> AttributeProto {
    AttributeProto { name: name.into(), i: value, type_: AttributeType::INT.into(), ..AttributeProto::default() }
}

/// An integer-list attribute.
pub fn ints_attr(name: &str, values: &[i64]) -> AttributeProto {
    AttributeProto {
        name: name.into(),
        ints: values.to_vec(),
        type_: AttributeType::INTS.into(),
        ..AttributeProto::default()
    }
}

fn value_info(name: &str, elem: DataType, dims: &[Dim]) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match *d {
                Dim::Fixed(v) => dimension::Value::DimValue(v),
                Dim::Batch => dimension::Value::DimParam("batch".into()),
                Dim::Time => dimension::Value::DimParam("time".into()),
            }),
            ..Dimension::default()
        })
        .collect();
    let tensor = TensorType {
        elem_type: elem as i32,
        shape: Some(TensorShapeProto { dim, ..TensorShapeProto::default() }).into(),
        ..TensorType::default()
    };
    ValueInfoProto {
        name: name.into(),
        type_: Some(TypeProto { value: Some(type_proto::Value::TensorType(tensor)), ..TypeProto::default() }).into(),
        ..ValueInfoProto::default()
    }
}

/// The float initializers of a model this builder wrote, by name: a shipped model's weights
/// back in burn (post-training a model whose training checkpoint is gone).
pub struct Initializers(std::collections::HashMap<String, TensorProto>);

impl Initializers {
    pub fn read(model: &[u8]) -> Result<Initializers, String> {
        let model = ModelProto::parse_from_bytes(model).map_err(|e| format!("not an ONNX model: {e}"))?;
        let graph = model.graph.into_option().ok_or("the ONNX model has no graph")?;
        Ok(Initializers(graph.initializer.into_iter().map(|t| (t.name.clone(), t)).collect()))
    }

    /// The initializer `name`, which must be a float tensor of `shape`.
    pub fn tensor<const D: usize>(&self, name: &str, shape: [usize; D], device: &Device) -> Result<Tensor<D>, String> {
        let t = self.0.get(name).ok_or_else(|| format!("the model has no weight {name}"))?;
        let dims: Vec<usize> = t.dims.iter().map(|&d| usize::try_from(d).unwrap_or(usize::MAX)).collect();
        if t.data_type != DataType::FLOAT as i32
            || dims != shape
            || t.raw_data.len() != 4 * shape.iter().product::<usize>()
        {
            return Err(format!("weight {name} is not float {shape:?} (dims {dims:?}, {} bytes)", t.raw_data.len()));
        }
        let values: Vec<f32> =
            t.raw_data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]])).collect();
        Ok(Tensor::from_data(TensorData::new(values, shape), device))
    }

    /// The linear layer `[inputs, outputs]` that [`linear`] wrote as `name`.
    pub fn linear(&self, name: &str, [i, o]: [usize; 2], device: &Device) -> Result<Linear, String> {
        let weight = Param::from_tensor(self.tensor(&format!("{name}.weight"), [i, o], device)?);
        let bias = Some(Param::from_tensor(self.tensor(&format!("{name}.bias"), [o], device)?));
        Ok(Linear { weight, bias })
    }
}

/// Weight `[in, out]` and bias `[out]` of a linear layer as initializers.
pub fn linear(g: &mut GraphBuilder, name: &str, layer: &Linear) -> (String, String) {
    let [i, o] = layer.weight.dims();
    let w = g.floats(&format!("{name}.weight"), &[i, o], floats(layer.weight.val()));
    let bias = layer.bias.as_ref().map(|b| floats(b.val())).unwrap_or_else(|| vec![0.0; o]);
    let b = g.floats(&format!("{name}.bias"), &[o], bias);
    (w, b)
}
