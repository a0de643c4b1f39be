//! The device choice where WebGPU can be had (every build but the threaded worker's): the
//! adapter, the timed probe against the CPU path, and the pick.

use burn::tensor::{Device, Tensor};
use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::device::ComputeDevice;
use super::device_request::{CPU_CHOSEN, DevicePreference, DeviceRequest, Probe};
use crate::model::precision::Precision;
use crate::model::readback::DeviceError;
use crate::web::platform::scope::{BrowserError, navigator};

/// The device `request` asks for: WebGPU if an adapter and a device can be had (when
/// automatic, only if the probe — measured now, or on an earlier visit with the same
/// adapter — does not find the CPU path faster), else the CPU fallback. On WebGPU, f16 where
/// the adapter has `shader-f16` and the probe found it faster than f32 there.
pub async fn pick_device(request: DeviceRequest) -> ComputeDevice {
    if request.preference == DevicePreference::Cpu {
        return ComputeDevice::cpu(CPU_CHOSEN.into());
    }
    let adapter = match webgpu_adapter_info().await {
        Ok(info) => info,
        Err(reason) => return ComputeDevice::cpu(reason.to_string()),
    };
    let webgpu = match Device::wgpu_options().init_async().await {
        Ok(device) => ComputeDevice { device, name: "WebGPU", adapter, fallback_reason: None, probe: None, precision: Precision::F32 },
        Err(err) => return ComputeDevice::cpu(format!("WebGPU initialisation failed: {err}")),
    };
    let known = request.known.filter(|known| known.adapter == webgpu.adapter);
    if request.preference == DevicePreference::WebGpu {
        // f16 only where a probe on this adapter found it faster.
        let precision = known.as_ref().map_or(Precision::F32, Probe::webgpu_precision);
        return ComputeDevice { precision, ..webgpu };
    }
    let (probe, when) = match known {
        Some(known) => (known, "on an earlier visit"),
        None => match (probe_ms(&webgpu.device, Precision::F32).await, probe_ms(&Device::flex(), Precision::F32).await) {
            (Ok(webgpu_ms), Ok(cpu_ms)) => {
                let webgpu_f16_ms = match Precision::half_if_supported(&webgpu.device) {
                    Precision::F16 => probe_ms(&webgpu.device, Precision::F16).await.ok(),
                    Precision::F32 => None,
                };
                (Probe { adapter: webgpu.adapter.clone(), cpu_ms, webgpu_ms, webgpu_f16_ms }, "just now")
            }
            (Err(reason), _) => return ComputeDevice::cpu(format!("WebGPU failed a test layer: {reason}")),
            (_, Err(_)) => return webgpu,
        },
    };
    if !probe.cpu_faster() {
        return ComputeDevice { precision: probe.webgpu_precision(), probe: Some(probe), ..webgpu };
    }
    let reason = format!(
        "your browser's WebGPU runs on the CPU here ({}); the CPU path is faster (a test layer took {:.0} ms on the CPU path, {:.0} ms on WebGPU, {when})",
        probe.adapter, probe.cpu_ms, probe.webgpu_ms
    );
    ComputeDevice { probe: Some(probe), ..ComputeDevice::cpu(reason) }
}

/// Side of the probe's activations and its channels: two of ResNet50's 1×1 convolutions at
/// stage 1 (56×56 positions, 256 channels) as matrix products, ≈ 0.8 GFLOP.
const PROBE_POSITIONS: usize = 56 * 56;
const PROBE_CHANNELS: usize = 256;

/// Milliseconds for the probe on `device` in `precision`, read back, after one untimed run
/// that compiles its kernels.
async fn probe_ms(device: &Device, precision: Precision) -> Result<f64, DeviceError> {
    let x = Tensor::<2>::ones([PROBE_POSITIONS, PROBE_CHANNELS], device).cast(precision.dtype());
    let w = Tensor::<2>::ones([PROBE_CHANNELS, PROBE_CHANNELS], device).div_scalar(PROBE_CHANNELS as f32).cast(precision.dtype());
    let run = || x.clone().matmul(w.clone()).matmul(w.clone()).sum();
    run().into_data_async().await?;
    let started = web_time::Instant::now();
    run().into_data_async().await?;
    Ok(started.elapsed().as_secs_f64() * 1e3)
}

/// Why this worker has no WebGPU adapter.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
enum NoAdapter {
    #[error("this browser does not offer WebGPU (navigator.gpu is missing)")]
    NoWebGpu,
    #[error("navigator.gpu.requestAdapter is missing")]
    NoRequestAdapter,
    #[error("WebGPU is present but no GPU adapter is available")]
    NoneAvailable,
    #[error(transparent)]
    Browser(#[from] BrowserError),
}

impl From<JsValue> for NoAdapter {
    fn from(error: JsValue) -> Self {
        BrowserError::from(error).into()
    }
}

async fn webgpu_adapter_info() -> Result<String, NoAdapter> {
    let gpu = Reflect::get(&navigator(), &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err(NoAdapter::NoWebGpu);
    }
    let request = Reflect::get(&gpu, &"requestAdapter".into()).ok().and_then(|f| f.dyn_into::<js_sys::Function>().ok()).ok_or(NoAdapter::NoRequestAdapter)?;
    let promise: Promise = request.call0(&gpu)?.dyn_into()?;
    let adapter = JsFuture::from(promise).await?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err(NoAdapter::NoneAvailable);
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let field = |name: &str| Reflect::get(&info, &name.into()).ok().and_then(|v| v.as_string()).filter(|s| !s.is_empty());
    let parts: Vec<String> = ["vendor", "architecture", "description"].into_iter().filter_map(field).collect();
    Ok(if parts.is_empty() { "unnamed adapter".into() } else { parts.join(" · ") })
}
