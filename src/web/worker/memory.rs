//! Reading the worker's memory figures: the wasm heap and what the compute device's
//! allocator holds.

use burn::tensor::Device;
use wasm_bindgen::JsCast;

use super::protocol::MemoryFigures;

/// The figures now, on `device`.
pub fn read(device: &Device) -> MemoryFigures {
    let wasm_heap = wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|memory| memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as u64)
        .unwrap_or(0);
    MemoryFigures { wasm_heap, device_reserved: device.memory_pool_usage().map(|usage| usage.bytes_reserved) }
}
