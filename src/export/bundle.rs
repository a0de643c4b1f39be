//! The files of the folder exports — PyTorch (the whole classifier) and the head alone —
//! each with `classes.json` and a README that shows how to load it; the CLI writes them as
//! a folder, the browser as a `.zip` of the same files.

use std::io::{Cursor, Write};

use zip::write::SimpleFileOptions;

use super::backbone::Backbone;
use super::torch::{head_state_dict, resnet50_state_dict};
use crate::model::weights::WeightsError;
use crate::train::head::HeadWeights;

/// One file of an export.
pub struct ExportFile {
    /// Its name in the folder.
    pub name: &'static str,
    /// Its contents.
    pub bytes: Vec<u8>,
}

/// `resnet50.safetensors` (torchvision's `resnet50(num_classes=k)`), `classes.json`, `README.md`.
pub fn torch_folder(backbone: &Backbone, original: Option<&[u8]>, head: &HeadWeights, classes: &[String]) -> Result<Vec<ExportFile>, WeightsError> {
    let state = resnet50_state_dict(backbone, original, head, classes)?;
    let p = &backbone.preprocessing;
    let readme = format!(
        "# A ResNet50 classifier taught in Transfer Studio\n\n\
         `resnet50.safetensors` is torchvision's `resnet50(num_classes={k})` state dict; `classes.json` names its outputs in order.\n\n\
         ```python\nimport json\nimport torch, torchvision\nfrom safetensors.torch import load_file\nfrom torchvision import transforms\nfrom PIL import Image\n\n\
         classes = json.load(open(\"classes.json\"))\nmodel = torchvision.models.resnet50(num_classes=len(classes))\n\
         model.load_state_dict(load_file(\"resnet50.safetensors\"))\nmodel.eval()\n\
         preprocess = transforms.Compose([\n    transforms.Resize({resize}, interpolation=transforms.InterpolationMode.{filter}),\n    transforms.CenterCrop({crop}),\n    \
         transforms.ToTensor(),\n    transforms.Normalize({mean:?}, {std:?}),\n])\n\
         with torch.no_grad():\n    probabilities = model(preprocess(Image.open(\"photo.jpg\").convert(\"RGB\"))[None]).softmax(1)[0]\n\
         print(classes[int(probabilities.argmax())], float(probabilities.max()))\n```\n",
        k = classes.len(),
        resize = p.resize,
        crop = p.crop,
        filter = p.interpolation.name().to_uppercase(),
        mean = p.mean,
        std = p.std,
    );
    Ok(vec![ExportFile { name: "resnet50.safetensors", bytes: state }, classes_json(classes), ExportFile { name: "README.md", bytes: readme.into_bytes() }])
}

/// `head.safetensors` (an `nn.Linear(2048, k)` state dict), `classes.json`, `README.md`.
pub fn head_folder(head: &HeadWeights, classes: &[String]) -> Vec<ExportFile> {
    let readme = format!(
        "# The classifier head taught in Transfer Studio\n\n\
         `head.safetensors` is an `nn.Linear(2048, {k})` state dict over ResNet50's pooled 2048 features (after the global average pool,\n\
         before `fc`), from the same backbone weights it was taught on; `classes.json` names its outputs in order.\n\n\
         ```python\nimport json, torch\nfrom safetensors.torch import load_file\n\n\
         classes = json.load(open(\"classes.json\"))\nhead = torch.nn.Linear(2048, len(classes))\nhead.load_state_dict(load_file(\"head.safetensors\"))\n\
         # backbone.fc = head, or: probabilities = head(features).softmax(1)\n```\n",
        k = classes.len()
    );
    vec![
        ExportFile { name: "head.safetensors", bytes: head_state_dict(head, classes) },
        classes_json(classes),
        ExportFile { name: "README.md", bytes: readme.into_bytes() },
    ]
}

pub(super) fn classes_json(classes: &[String]) -> ExportFile {
    ExportFile { name: "classes.json", bytes: (serde_json::to_string_pretty(classes).expect("strings serialize") + "\n").into_bytes() }
}

/// The files as a `.zip` inside a folder named `folder`.
pub fn zipped(folder: &str, files: &[ExportFile]) -> Result<Vec<u8>, String> {
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    // Float weights hardly deflate; storing keeps the export fast.
    let options = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(false);
    for file in files {
        zip.start_file(format!("{folder}/{}", file.name), options).map_err(|e| e.to_string())?;
        zip.write_all(&file.bytes).map_err(|e| e.to_string())?;
    }
    Ok(zip.finish().map_err(|e| e.to_string())?.into_inner())
}
