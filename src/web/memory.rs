//! Memory figures the page shows: the wasm heap (it only grows, so it is also the peak) and
//! what the compute device's allocator holds.

use burn::tensor::Device;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

/// Bytes in use at one moment.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MemoryFigures {
    pub wasm_heap: u64,
    /// Reserved by the device allocator (GPU buffers on WebGPU); `None` where not reported.
    pub device_reserved: Option<u64>,
}

impl MemoryFigures {
    pub fn read(device: &Device) -> Self {
        let wasm_heap = wasm_bindgen::memory()
            .dyn_into::<js_sys::WebAssembly::Memory>()
            .map(|memory| memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as u64)
            .unwrap_or(0);
        Self { wasm_heap, device_reserved: device.memory_pool_usage().map(|usage| usage.bytes_reserved) }
    }
}

#[component]
pub fn MemoryReadout(memory: RwSignal<Option<MemoryFigures>>) -> impl IntoView {
    let mb = |bytes: u64| bytes as f64 / 1e6;
    move || {
        memory.get().map(|m| {
            let device = m.device_reserved.map(|b| format!("{:.1} MB", mb(b))).unwrap_or_else(|| "not reported".into());
            view! {
                <p class="memory" data-testid="memory" data-wasm-heap=m.wasm_heap.to_string()
                    data-device-reserved=m.device_reserved.map(|b| b.to_string()).unwrap_or_default()>
                    {format!("Memory: wasm heap {:.1} MB · device buffers {device}", mb(m.wasm_heap))}
                </p>
            }
        })
    }
}
