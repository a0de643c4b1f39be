//! What the page asks of the worker's device (both ends): the user's preference and, for
//! the automatic choice, the probe measured on an earlier visit with the same adapter, so
//! the worker need not measure again. It travels in the worker's name (`model:{json}`),
//! read before the worker picks its device.

use serde::{Deserialize, Serialize};

use crate::model::precision::Precision;

/// Why the CPU path runs, when the user chose it.
pub const CPU_CHOSEN: &str = "you chose the CPU path (Device, in the header)";

/// Which device the user wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum DevicePreference {
    /// WebGPU unless the CPU path is measured faster here (a software adapter).
    #[default]
    Auto,
    /// WebGPU whenever the browser offers it.
    WebGpu,
    /// The CPU path.
    Cpu,
}

impl DevicePreference {
    /// The word used in the address (`?device=webgpu`) and the device popover.
    pub fn word(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::WebGpu => "webgpu",
            Self::Cpu => "cpu",
        }
    }

    /// The preference a word names, if any.
    pub fn from_word(word: &str) -> Option<Self> {
        [Self::Auto, Self::WebGpu, Self::Cpu].into_iter().find(|p| p.word() == word)
    }
}

/// A timed test layer on WebGPU and on the CPU path, on one adapter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Probe {
    /// The WebGPU adapter, as the browser describes it.
    pub adapter: String,
    /// Milliseconds on the CPU path.
    pub cpu_ms: f64,
    /// Milliseconds on WebGPU.
    pub webgpu_ms: f64,
    /// Milliseconds on WebGPU in f16, where the adapter has `shader-f16`.
    #[serde(default)]
    pub webgpu_f16_ms: Option<f64>,
}

impl Probe {
    /// Whether the CPU path was faster than WebGPU in its faster precision.
    pub fn cpu_faster(&self) -> bool {
        self.cpu_ms < self.webgpu_f16_ms.map_or(self.webgpu_ms, |f16_ms| f16_ms.min(self.webgpu_ms))
    }

    /// f16 if it was measured faster than f32 on WebGPU, else f32.
    pub fn webgpu_precision(&self) -> Precision {
        match self.webgpu_f16_ms {
            Some(f16_ms) if f16_ms < self.webgpu_ms => Precision::F16,
            _ => Precision::F32,
        }
    }
}

/// The preference and what is known from earlier visits.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DeviceRequest {
    /// What the user chose.
    pub preference: DevicePreference,
    /// The last probe, if one was kept.
    pub known: Option<Probe>,
    /// A test hook (`?expose-gpu-device`): the worker keeps its `GPUDevice` where a test
    /// can destroy it (see `device_watch.rs`).
    #[serde(default)]
    pub expose_gpu_device: bool,
    /// Why the CPU path runs, as a one-thread worker found: set when the page hands the
    /// work on to the threaded worker, which repeats it (and `known`, the probe).
    #[serde(default)]
    pub cpu_reason: Option<String>,
}

const NAME_PREFIX: &str = "model:";

impl DeviceRequest {
    /// The worker's name carrying this request.
    pub fn worker_name(&self) -> String {
        format!("{NAME_PREFIX}{}", serde_json::to_string(self).unwrap_or_default())
    }

    /// The request a worker's name carries; the default (automatic, nothing known) if none.
    pub fn from_worker_name(name: &str) -> Self {
        name.strip_prefix(NAME_PREFIX).and_then(|json| serde_json::from_str(json).ok()).unwrap_or_default()
    }
}
