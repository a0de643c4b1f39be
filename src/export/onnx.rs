//! The whole classifier as an ONNX model: the ResNet50 backbone (BatchNorm folded; fp32
//! weights, or int8 weights each behind a `DequantizeLinear`) and the trained head, with a
//! softmax. Class names, preprocessing and the "not sure" threshold travel in the model's
//! metadata. Opset 17, IR version 8: what onnxruntime, onnxruntime-web and most converters read.

use std::collections::HashMap;

use prost::Message;

use super::backbone::{Backbone, WeightFormat};
use super::graph::{Dim, Graph, float_value, int, ints};
use super::onnx_proto::{ModelProto, OperatorSetIdProto, StringStringEntryProto};
use crate::model::arch::{ConvSpec, FEATURE_DIM, ResNet50Spec};
use crate::train::head::HeadWeights;

/// The opset the graph is written for.
pub const OPSET: i64 = 17;
/// The ONNX IR version of that opset's era.
const IR_VERSION: i64 = 8;
/// The input's name: images, preprocessed, `[batch, 3, crop, crop]`.
pub const INPUT: &str = "image";
/// The output of class probabilities, `[batch, classes]`.
pub const PROBABILITIES: &str = "probabilities";
/// The output of logits (calibrated: the temperature is in the head), `[batch, classes]`.
pub const LOGITS: &str = "logits";

/// What a trained classifier is made of, for export.
pub struct Classifier<'a> {
    /// The backbone and its preprocessing.
    pub backbone: &'a Backbone,
    /// The trained head, `[classes, 2048]` (temperature already divided in).
    pub head: &'a HeadWeights,
    /// Class names, in the head's row order.
    pub classes: &'a [String],
    /// Top probabilities below this are answered "not sure" (0: always an answer).
    pub not_sure_below: f32,
}

/// The classifier as ONNX model bytes, its backbone's weights in `format`.
pub fn classifier_onnx(classifier: &Classifier<'_>, format: WeightFormat) -> Vec<u8> {
    let spec = ResNet50Spec::new();
    let order: HashMap<&str, usize> = spec.convs().enumerate().map(|(i, c)| (c.conv.as_str(), i)).collect();
    let mut graph = Graph::default();
    let conv = |graph: &mut Graph, conv: &ConvSpec, input: &str| -> String {
        let index = order[conv.conv.as_str()];
        let name = &conv.conv;
        let (weight, bias) = match format {
            WeightFormat::Fp32 => {
                let (weights, bias, shape) = classifier.backbone.conv_fp32(index);
                (graph.floats(&format!("{name}.weight"), &shape, &weights), graph.floats(&format!("{name}.bias"), &[shape[0]], bias))
            }
            WeightFormat::Int8 => {
                let (layer, shape) = classifier.backbone.conv_int8(index);
                let q = graph.int8s(&format!("{name}.weight_quantized"), &shape, &layer.weight);
                let scale = graph.floats(&format!("{name}.weight_scale"), &[shape[0]], &layer.scale);
                let zero = graph.int8s(&format!("{name}.weight_zero_point"), &[shape[0]], &vec![0; shape[0]]);
                let weight = graph.node("DequantizeLinear", &[&q, &scale, &zero], &format!("{name}.weight"), vec![int("axis", 0)]);
                (weight, graph.floats(&format!("{name}.bias"), &[shape[0]], &layer.bias))
            }
        };
        let attributes = vec![
            ints("kernel_shape", &[conv.kernel, conv.kernel]),
            ints("strides", &[conv.stride, conv.stride]),
            ints("pads", &[conv.padding; 4]),
            ints("dilations", &[1, 1]),
            int("group", 1),
        ];
        graph.node("Conv", &[input, &weight, &bias], name, attributes)
    };

    let stem = conv(&mut graph, &spec.stem, INPUT);
    let stem = graph.node("Relu", &[&stem], "relu", vec![]);
    let pool = vec![ints("kernel_shape", &[3, 3]), ints("strides", &[2, 2]), ints("pads", &[1; 4])];
    let mut x = graph.node("MaxPool", &[&stem], "maxpool", pool);
    for block in &spec.blocks {
        let prefix = block.reduce.conv.trim_end_matches(".conv1");
        let shortcut = match &block.downsample {
            Some(projection) => conv(&mut graph, projection, &x),
            None => x.clone(),
        };
        let y = conv(&mut graph, &block.reduce, &x);
        let y = graph.node("Relu", &[&y], &format!("{prefix}.relu1"), vec![]);
        let y = conv(&mut graph, &block.spatial, &y);
        let y = graph.node("Relu", &[&y], &format!("{prefix}.relu2"), vec![]);
        let y = conv(&mut graph, &block.expand, &y);
        let sum = graph.node("Add", &[&y, &shortcut], &format!("{prefix}.add"), vec![]);
        x = graph.node("Relu", &[&sum], &format!("{prefix}.relu3"), vec![]);
    }
    let pooled = graph.node("GlobalAveragePool", &[&x], "avgpool", vec![]);
    let features = graph.node("Flatten", &[&pooled], "features", vec![int("axis", 1)]);
    let head = classifier.head;
    let classes = head.classes();
    let weight = graph.floats("fc.weight", &[classes, FEATURE_DIM], &head.weight);
    let bias = graph.floats("fc.bias", &[classes], &head.bias);
    let logits = graph.node("Gemm", &[&features, &weight, &bias], LOGITS, vec![int("transB", 1)]);
    graph.node("Softmax", &[&logits], PROBABILITIES, vec![int("axis", 1)]);

    let crop = classifier.backbone.preprocessing.crop as usize;
    let input = float_value(
        INPUT,
        &[Dim::Named("batch"), Dim::Fixed(3), Dim::Fixed(crop), Dim::Fixed(crop)],
        "RGB images, preprocessed: see the metadata's `preprocessing`",
    );
    let outputs = vec![
        float_value(PROBABILITIES, &[Dim::Named("batch"), Dim::Fixed(classes)], "softmax over the classes, in the metadata's `classes` order"),
        float_value(LOGITS, &[Dim::Named("batch"), Dim::Fixed(classes)], "the head's logits (calibrated)"),
    ];
    let model = ModelProto {
        ir_version: IR_VERSION,
        opset_import: vec![OperatorSetIdProto { domain: String::new(), version: OPSET }],
        producer_name: "transfer-studio".into(),
        producer_version: env!("CARGO_PKG_VERSION").into(),
        doc_string: "A ResNet50 image classifier taught in Transfer Studio: the backbone (BatchNorm folded into its convolutions) and a linear head trained on its 2048 pooled features.".into(),
        graph: Some(graph.finish("classifier", vec![input], outputs)),
        metadata_props: metadata(classifier).into_iter().map(|(key, value)| StringStringEntryProto { key: key.into(), value }).collect(),
        ..Default::default()
    };
    model.encode_to_vec()
}

/// The metadata: class names, the preprocessing the input needs, the threshold, the backbone.
pub fn metadata(classifier: &Classifier<'_>) -> Vec<(&'static str, String)> {
    let p = &classifier.backbone.preprocessing;
    let preprocessing = serde_json::json!({
        "resize_shorter_side": p.resize,
        "interpolation": p.interpolation.name(),
        "center_crop": p.crop,
        "scale": "RGB values divided by 255",
        "mean": p.mean,
        "std": p.std,
        "layout": "NCHW",
    });
    vec![
        ("classes", serde_json::to_string(classifier.classes).expect("strings serialize")),
        ("preprocessing", preprocessing.to_string()),
        ("not_sure_below", classifier.not_sure_below.to_string()),
        ("backbone_sha256", classifier.backbone.sha256.clone()),
    ]
}
