//! Picks the compute device: WebGPU when the browser offers an adapter, else burn's CPU
//! backend in wasm, with the reason in words. Runs in the worker (and the benchmark page).

use burn::tensor::Device;
use js_sys::{Promise, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

use super::protocol::BackendInfo;
use crate::web::platform::scope::{describe, navigator};

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
}

impl ComputeDevice {
    /// Whether this is WebGPU.
    pub fn is_webgpu(&self) -> bool {
        self.fallback_reason.is_none()
    }

    /// The CPU fallback, saying why.
    pub fn cpu(reason: String) -> Self {
        Self { device: Device::flex(), name: "CPU (wasm)", adapter: "burn flex".into(), fallback_reason: Some(reason) }
    }

    /// The device in words, for the page.
    pub fn info(&self) -> BackendInfo {
        BackendInfo { name: self.name.to_string(), adapter: self.adapter.clone(), fallback_reason: self.fallback_reason.clone() }
    }
}

/// WebGPU if an adapter and a device can be had, else the CPU fallback.
pub async fn pick_device() -> ComputeDevice {
    let adapter = match webgpu_adapter_info().await {
        Ok(info) => info,
        Err(reason) => return ComputeDevice::cpu(reason),
    };
    match Device::wgpu_options().init_async().await {
        Ok(device) => ComputeDevice { device, name: "WebGPU", adapter, fallback_reason: None },
        Err(err) => ComputeDevice::cpu(format!("WebGPU initialisation failed: {err}")),
    }
}

async fn webgpu_adapter_info() -> Result<String, String> {
    let gpu = Reflect::get(&navigator(), &"gpu".into()).unwrap_or(JsValue::UNDEFINED);
    if gpu.is_undefined() || gpu.is_null() {
        return Err("this browser does not offer WebGPU (navigator.gpu is missing)".into());
    }
    let request = Reflect::get(&gpu, &"requestAdapter".into())
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        .ok_or("navigator.gpu.requestAdapter is missing")?;
    let promise: Promise = request.call0(&gpu).map_err(describe)?.dyn_into().map_err(describe)?;
    let adapter = JsFuture::from(promise).await.map_err(describe)?;
    if adapter.is_null() || adapter.is_undefined() {
        return Err("WebGPU is present but no GPU adapter is available".into());
    }
    let info = Reflect::get(&adapter, &"info".into()).unwrap_or(JsValue::UNDEFINED);
    let field = |name: &str| Reflect::get(&info, &name.into()).ok().and_then(|v| v.as_string()).filter(|s| !s.is_empty());
    let parts: Vec<String> = ["vendor", "architecture", "description"].into_iter().filter_map(field).collect();
    Ok(if parts.is_empty() { "unnamed adapter".into() } else { parts.join(" · ") })
}
