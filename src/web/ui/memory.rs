//! The worker's memory figures, as the page shows them.

use leptos::prelude::*;

use super::format::megabytes;
use crate::web::worker::MemoryFigures;

/// "Memory: wasm heap … · device buffers …" after a load or a pass.
#[component]
pub fn MemoryReadout(memory: RwSignal<Option<MemoryFigures>>) -> impl IntoView {
    move || {
        memory.get().map(|m| {
            let device = m.device_reserved.map(megabytes).unwrap_or_else(|| "not reported".into());
            view! {
                <p class="memory" data-testid="memory" data-wasm-heap=m.wasm_heap.to_string()
                    data-device-reserved=m.device_reserved.map(|b| b.to_string()).unwrap_or_default()>
                    {format!("Memory: wasm heap {} · device buffers {device}", megabytes(m.wasm_heap))}
                </p>
            }
        })
    }
}
