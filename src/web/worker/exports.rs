//! Exports written in the worker, from the backbone's bytes as they were loaded (the int8
//! model, or the user's file) and the head the page sends: ONNX, PyTorch and head-only
//! folders as zips. Each is one file for the page to save.

use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::error::WorkerError;
use crate::export::backbone::{Backbone, WeightFormat};
use crate::export::bundle::{head_folder, torch_folder, zipped};
use crate::export::onnx::{Classifier, classifier_onnx};
use crate::export::web_page::{RUNTIME_FILES, web_page_folder};
use crate::model::quant::is_int8;
use crate::train::head::HeadWeights;
use crate::vision::preprocess::Preprocessing;
use crate::web::platform::download::download;

/// What to write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ExportFormat {
    /// ONNX, fp32 weights.
    Onnx,
    /// ONNX, int8 backbone weights behind `DequantizeLinear`.
    OnnxInt8,
    /// A zip: torchvision `resnet50(num_classes=k)` safetensors, `classes.json`, README.
    Torch,
    /// A zip: the head's `nn.Linear(2048, k)` safetensors, `classes.json`, README.
    Head,
    /// A zip: the int8 ONNX model, a page and onnxruntime-web to run it with.
    WebPage,
}

impl ExportFormat {
    /// Every format, in the order offered.
    pub const ALL: [Self; 5] = [Self::Onnx, Self::OnnxInt8, Self::Torch, Self::Head, Self::WebPage];

    /// A word for it (the CLI's `--format`, the page's test ids).
    pub fn word(self) -> &'static str {
        match self {
            Self::Onnx => "onnx",
            Self::OnnxInt8 => "onnx-int8",
            Self::Torch => "torch",
            Self::Head => "head",
            Self::WebPage => "web",
        }
    }

    /// The file name the page saves it under.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::Onnx => "classifier.onnx",
            Self::OnnxInt8 => "classifier.int8.onnx",
            Self::Torch => "classifier-pytorch.zip",
            Self::Head => "classifier-head.zip",
            Self::WebPage => "classifier-web.zip",
        }
    }
}

/// The classifier in `format`, on the backbone loaded.
#[derive(Debug, Serialize, Deserialize)]
pub struct Export {
    /// What to write.
    pub format: ExportFormat,
    /// The trained head.
    pub head: HeadWeights,
    /// Its class names, in row order.
    pub classes: Vec<String>,
    /// The "not sure" threshold (0: none).
    pub not_sure_below: f32,
    /// For a web page: the absolute URL the site serves onnxruntime-web's files under.
    pub runtime: Option<String>,
}

/// The file written.
#[derive(Debug, Serialize, Deserialize)]
pub struct Exported {
    /// Its contents.
    pub bytes: ByteBuf,
    /// Milliseconds spent writing it in the worker (reading the backbone included).
    pub ms: f64,
}

/// Writes `request` on the backbone `bytes` (either weights format) with `preprocessing`;
/// `runtime` holds onnxruntime-web's files for a web page.
pub fn write(bytes: &[u8], preprocessing: Preprocessing, request: &Export, runtime: Vec<Vec<u8>>) -> Result<Vec<u8>, WorkerError> {
    let failed = |reason: String| WorkerError::Compute(format!("the export could not be written: {reason}"));
    if request.head.classes() != request.classes.len() {
        return Err(failed("the head does not match its classes".into()));
    }
    let (head, classes) = (&request.head, &request.classes);
    let backbone = || Backbone::from_bytes(bytes, Some(preprocessing.clone())).map_err(|e| failed(e.to_string()));
    let onnx = |format: WeightFormat| -> Result<Vec<u8>, WorkerError> {
        let backbone = backbone()?;
        Ok(classifier_onnx(&Classifier { backbone: &backbone, head, classes, not_sure_below: request.not_sure_below }, format))
    };
    match request.format {
        ExportFormat::Onnx => onnx(WeightFormat::Fp32),
        ExportFormat::OnnxInt8 => onnx(WeightFormat::Int8),
        ExportFormat::Torch => {
            let original = (!is_int8(bytes)).then_some(bytes);
            let files = torch_folder(&backbone()?, original, head, classes).map_err(|e| failed(e.to_string()))?;
            zipped("classifier-pytorch", &files).map_err(failed)
        }
        ExportFormat::Head => zipped("classifier-head", &head_folder(head, classes)).map_err(failed),
        ExportFormat::WebPage => {
            let files = web_page_folder(onnx(WeightFormat::Int8)?, classes, &preprocessing, request.not_sure_below, runtime);
            zipped("classifier-web", &files).map_err(failed)
        }
    }
}

/// onnxruntime-web's files for a web page, from the site's copy under `base`.
pub async fn fetch_runtime(base: &str) -> Result<Vec<Vec<u8>>, WorkerError> {
    let mut files = Vec::new();
    for (name, _) in RUNTIME_FILES {
        let url = format!("{base}{name}");
        let bytes = download(&url, 64 << 20, |_, _| {}).await;
        files.push(bytes.map_err(|reason| WorkerError::Compute(format!("onnxruntime-web could not be read from this site ({url}): {reason}")))?);
    }
    Ok(files)
}
