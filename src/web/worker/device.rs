//! Picks the compute device, as the user prefers: WebGPU, the CPU (burn's CPU backend in
//! wasm), or — by default — whichever a timed probe finds faster here (measured once per
//! adapter: the page keeps the result), with the reason in words. Runs in the worker (and
//! the benchmark page); the WebGPU side is `webgpu_device`.

use burn::tensor::Device;

#[cfg(not(feature = "webgpu"))]
use super::device_request::DeviceRequest;
use super::device_request::Probe;
use super::protocol::BackendInfo;
use crate::model::precision::Precision;

/// The device in use and how to describe it to the user.
#[derive(Clone)]
pub struct ComputeDevice {
    /// burn's device.
    pub device: Device,
    /// "WebGPU" or "CPU (wasm)".
    pub name: &'static str,
    /// Adapter vendor/architecture/description where the browser tells.
    pub adapter: String,
    /// Why the CPU runs instead of WebGPU, if it does.
    pub fallback_reason: Option<String>,
    /// The measurement that chose between WebGPU and the CPU, if one did.
    pub probe: Option<Probe>,
    /// What models compute in here: f16 where WebGPU has `shader-f16`.
    pub precision: Precision,
}

impl ComputeDevice {
    /// Whether this is WebGPU.
    pub fn is_webgpu(&self) -> bool {
        self.fallback_reason.is_none()
    }

    /// The CPU fallback, saying why.
    pub fn cpu(reason: String) -> Self {
        // The threaded worker's build for browsers with relaxed SIMD says so.
        let name = if cfg!(feature = "relaxed") { "CPU (wasm, relaxed SIMD)" } else { "CPU (wasm)" };
        Self { device: Device::flex(), name, adapter: "burn flex".into(), fallback_reason: Some(reason), probe: None, precision: Precision::F32 }
    }

    /// The device in words, for the page.
    pub fn info(&self) -> BackendInfo {
        BackendInfo {
            name: self.name.to_string(),
            adapter: self.adapter.clone(),
            fallback_reason: self.fallback_reason.clone(),
            probe: self.probe.clone(),
            precision: self.precision,
            threads: super::threads::count(),
            one_thread_because: None,
        }
    }
}

/// The threaded worker runs the CPU path only (WebGPU does not build with atomics): the
/// page starts it once a one-thread worker has picked the CPU, and hands on its reason.
#[cfg(not(feature = "webgpu"))]
pub async fn pick_device(request: DeviceRequest) -> ComputeDevice {
    let reason = request.cpu_reason.unwrap_or_else(|| "this worker runs the CPU path only".into());
    ComputeDevice { probe: request.known, ..ComputeDevice::cpu(reason) }
}
