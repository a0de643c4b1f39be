//! A small builder over the ONNX message types: initializers from host slices (written
//! little-endian into `raw_data`, moved, never copied again), nodes with their attributes,
//! and tensor value infos.

use prost::bytes::Bytes;

use super::onnx_proto::attribute_proto::AttributeType;
use super::onnx_proto::tensor_proto::DataType;
use super::onnx_proto::tensor_shape_proto::{Dimension, dimension};
use super::onnx_proto::{AttributeProto, GraphProto, NodeProto, TensorProto, TensorShapeProto, TypeProto, ValueInfoProto, type_proto};
use crate::model::le_bytes::le_bytes;

/// A dimension of a value's shape: fixed, or named and free (the batch).
pub enum Dim {
    /// A fixed size.
    Fixed(usize),
    /// A size the runtime takes from the input.
    Named(&'static str),
}

/// The graph being written, nodes in execution order.
#[derive(Default)]
pub struct Graph {
    nodes: Vec<NodeProto>,
    initializers: Vec<TensorProto>,
}

impl Graph {
    /// A float initializer.
    pub fn floats(&mut self, name: &str, dims: &[usize], values: &[f32]) -> String {
        self.initializer(name, dims, DataType::Float, le_bytes(values.iter().copied()))
    }

    /// An int8 initializer.
    pub fn int8s(&mut self, name: &str, dims: &[usize], values: &[i8]) -> String {
        self.initializer(name, dims, DataType::Int8, values.iter().map(|&v| v as u8).collect())
    }

    fn initializer(&mut self, name: &str, dims: &[usize], data_type: DataType, raw: Vec<u8>) -> String {
        self.initializers.push(TensorProto {
            name: name.to_string(),
            dims: dims.iter().map(|&d| d as i64).collect(),
            data_type: data_type as i32,
            raw_data: Bytes::from(raw),
            ..Default::default()
        });
        name.to_string()
    }

    /// Appends a node of `op` reading `inputs`, writing one output named `output`.
    pub fn node(&mut self, op: &str, inputs: &[&str], output: &str, attributes: Vec<AttributeProto>) -> String {
        self.nodes.push(NodeProto {
            op_type: op.to_string(),
            name: output.to_string(),
            input: inputs.iter().map(|i| i.to_string()).collect(),
            output: vec![output.to_string()],
            attribute: attributes,
            ..Default::default()
        });
        output.to_string()
    }

    /// The finished graph with its inputs and outputs.
    pub fn finish(self, name: &str, inputs: Vec<ValueInfoProto>, outputs: Vec<ValueInfoProto>) -> GraphProto {
        GraphProto { name: name.to_string(), node: self.nodes, initializer: self.initializers, input: inputs, output: outputs, ..Default::default() }
    }
}

/// An integer attribute.
pub fn int(name: &str, value: i64) -> AttributeProto {
    AttributeProto { name: name.to_string(), r#type: AttributeType::Int as i32, i: value, ..Default::default() }
}

/// A list-of-integers attribute.
pub fn ints(name: &str, values: &[usize]) -> AttributeProto {
    AttributeProto { name: name.to_string(), r#type: AttributeType::Ints as i32, ints: values.iter().map(|&v| v as i64).collect(), ..Default::default() }
}

/// A float tensor value `name` of `dims`, `doc` saying what it holds.
pub fn float_value(name: &str, dims: &[Dim], doc: &str) -> ValueInfoProto {
    let dim = dims
        .iter()
        .map(|d| Dimension {
            value: Some(match d {
                Dim::Fixed(size) => dimension::Value::DimValue(*size as i64),
                Dim::Named(name) => dimension::Value::DimParam(name.to_string()),
            }),
            ..Default::default()
        })
        .collect();
    let tensor = type_proto::Tensor { elem_type: DataType::Float as i32, shape: Some(TensorShapeProto { dim }) };
    ValueInfoProto {
        name: name.to_string(),
        r#type: Some(TypeProto { value: Some(type_proto::Value::TensorType(tensor)), ..Default::default() }),
        doc_string: doc.to_string(),
        ..Default::default()
    }
}
