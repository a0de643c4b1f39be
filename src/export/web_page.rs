//! "Use it in your page": a folder with the ONNX model, `classes.json`, `classifier.json`
//! (preprocessing, "not sure" threshold) and a small page that runs it with onnxruntime-web
//! from a copy in `ort/` — no CDN, no part of this app. The runtime's bytes come from the
//! caller (the site serves its own copy, from the npm package the tests pin).

use serde_json::json;

use super::bundle::{ExportFile, classes_json};
use crate::vision::preprocess::Preprocessing;

/// The runtime files the page imports: the name in onnxruntime-web's `dist/`, and in the folder.
pub const RUNTIME_FILES: [(&str, &str); 2] =
    [("ort.wasm.bundle.min.mjs", "ort/ort.wasm.bundle.min.mjs"), ("ort-wasm-simd-threaded.wasm", "ort/ort-wasm-simd-threaded.wasm")];

/// Where the site serves them, relative to the app's page.
pub const RUNTIME_PATH: &str = "vendor/onnxruntime-web/";

/// The folder's files: `model` (an ONNX classifier) and `runtime` (in [`RUNTIME_FILES`] order).
pub fn web_page_folder(model: Vec<u8>, classes: &[String], preprocessing: &Preprocessing, not_sure_below: f32, runtime: Vec<Vec<u8>>) -> Vec<ExportFile> {
    let config = json!({ "model": "model.onnx", "preprocessing": preprocessing, "not_sure_below": not_sure_below });
    let readme = format!(
        "# An image classifier for your own page\n\n\
         Taught in Transfer Studio: {k} classes ({names}). `index.html` classifies an image with `model.onnx`, run by\n\
         onnxruntime-web from `ort/` (no CDN); `classify.js` does the preprocessing the model expects ({resize} px shorter side,\n\
         {crop} px center crop).\n\n\
         Browsers load modules and WebAssembly only over HTTP, so serve the folder — for example `python3 -m http.server` in it,\n\
         then open http://localhost:8000/ — or copy it to any static host. In your own page:\n\n\
         ```html\n<script type=\"module\">\n  import {{ open }} from './classify.js';\n  const classifier = await open();\n  \
         const answer = await classifier.classify(imageBlob); // {{ best, probability, notSure, probabilities }}\n</script>\n```\n",
        k = classes.len(),
        names = classes.join(", "),
        resize = preprocessing.resize,
        crop = preprocessing.crop,
    );
    let mut files = vec![
        ExportFile { name: "index.html", bytes: include_bytes!("web_page/index.html").to_vec() },
        ExportFile { name: "classify.js", bytes: include_bytes!("web_page/classify.js").to_vec() },
        ExportFile { name: "model.onnx", bytes: model },
        classes_json(classes),
        ExportFile { name: "classifier.json", bytes: (serde_json::to_string_pretty(&config).expect("JSON values serialize") + "\n").into_bytes() },
        ExportFile { name: "README.md", bytes: readme.into_bytes() },
    ];
    files.extend(RUNTIME_FILES.iter().zip(runtime).map(|(&(_, name), bytes)| ExportFile { name, bytes }));
    files
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_holds_the_page_its_model_and_the_runtime_it_imports() {
        let classes = vec!["cat".to_string(), "mug".to_string()];
        let p = Preprocessing { resize: 288, crop: 256, ..Preprocessing::default() };
        let files = web_page_folder(vec![1, 2, 3], &classes, &p, 0.4, vec![b"js".to_vec(), b"wasm".to_vec()]);
        let file = |name: &str| files.iter().find(|f| f.name == name).unwrap_or_else(|| panic!("{name} is missing")).bytes.clone();
        let config: serde_json::Value = serde_json::from_slice(&file("classifier.json")).unwrap();
        assert_eq!(serde_json::from_value::<Preprocessing>(config["preprocessing"].clone()).unwrap(), p);
        assert_eq!(config["model"], "model.onnx");
        assert_eq!(serde_json::from_slice::<Vec<String>>(&file("classes.json")).unwrap(), classes);
        assert_eq!(file("model.onnx"), vec![1, 2, 3]);
        assert_eq!(file("ort/ort-wasm-simd-threaded.wasm"), b"wasm");
        let script = String::from_utf8(file("classify.js")).unwrap();
        assert!(script.contains(&format!("from './{}'", RUNTIME_FILES[0].1)), "classify.js imports the runtime the folder holds");
        // The site's copy is made by the build hook: the same files.
        let hook = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/vendor_runtime.py")).unwrap();
        assert!(RUNTIME_FILES.iter().all(|(name, _)| hook.contains(&format!("\"{name}\""))));
        assert!(RUNTIME_PATH.ends_with("vendor/onnxruntime-web/") && hook.contains("\"vendor\", \"onnxruntime-web\""));
    }
}
