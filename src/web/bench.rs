//! A JS-facing handle for the browser benchmark (`bench/browser.mjs`): the same engine the
//! page uses, loaded on WebGPU or the CPU fallback, timed one pass at a time (batch 1, or a
//! batch of copies of the input), so peers (onnxruntime-web) can run interleaved with it in
//! the same page.

use burn::tensor::Device;
use wasm_bindgen::prelude::*;

use super::worker::{DevicePreference, DeviceRequest, pick_device, thread_count};
use crate::engine::Classifier;
use crate::model::precision::Precision;

/// The page's engine loaded for the benchmark, with its fixed input.
#[wasm_bindgen]
pub struct BenchModel {
    classifier: Classifier,
    input: Vec<f32>,
}

#[wasm_bindgen]
impl BenchModel {
    /// Loads weights (int8 model or torchvision fp32 safetensors) on WebGPU (`webgpu`,
    /// failing if the browser has none) or on the CPU fallback.
    pub async fn load(weights: Vec<u8>, webgpu: bool) -> Result<BenchModel, JsError> {
        let (device, precision) = if webgpu {
            let backend = pick_device(DeviceRequest { preference: DevicePreference::WebGpu, ..DeviceRequest::default() }).await;
            if let Some(reason) = backend.fallback_reason {
                return Err(JsError::new(&reason));
            }
            (backend.device, backend.precision)
        } else {
            (Device::flex(), Precision::F32)
        };
        let classifier = Classifier::from_weights(&weights, &device).map_err(|e| JsError::new(&e.to_string()))?.in_precision(precision);
        let input = classifier.bench_input();
        Ok(Self { classifier, input })
    }

    /// "f32", or "f16" where WebGPU has `shader-f16`.
    #[wasm_bindgen(getter)]
    pub fn precision(&self) -> String {
        self.classifier.precision().name().to_string()
    }

    /// Threads the CPU path computes on here (the threaded worker's pool, else 1).
    #[wasm_bindgen(getter)]
    pub fn threads(&self) -> u32 {
        thread_count()
    }

    /// One pass of a batch of `images` copies of the input, logits read back: milliseconds.
    pub async fn run(&self, images: u32) -> Result<f64, JsError> {
        let batch = vec![self.input.clone(); images.max(1) as usize];
        let started = web_time::Instant::now();
        self.classifier.batch_logits(batch).await.map_err(|e| JsError::new(&e.to_string()))?;
        Ok(started.elapsed().as_secs_f64() * 1e3)
    }
}
