//! The worker's message loop: installs the handler, says Ready once the device is picked,
//! and answers calls one at a time, in order (the device runs one pass at a time anyway).

use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::{Array, Uint8Array};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, DedicatedWorkerGlobalScope, MessageEvent};

use super::device_request::DeviceRequest;
use super::device_watch::watch_devices;
use super::protocol::{CANCEL, Call, Message, decode, encode};
use super::state::WorkerState;
use crate::web::platform::download::cancel_downloads;

/// Serves the page's calls until the worker is terminated.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let (calls, mut queue) = mpsc::unbounded::<(Vec<u8>, Option<Blob>)>();
    // Each message is `[call bytes]` or `[call bytes, file]`, or `[CANCEL]`, which is
    // handled at once (calls wait their turn; a cancel must reach the load running now).
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        let Ok(parts) = event.data().dyn_into::<Array>() else { return };
        if parts.get(0).as_string().as_deref() == Some(CANCEL) {
            return cancel_downloads();
        }
        if let Ok(bytes) = parts.get(0).dyn_into::<Uint8Array>() {
            let _ = calls.unbounded_send((bytes.to_vec(), parts.get(1).dyn_into::<Blob>().ok()));
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    wasm_bindgen_futures::spawn_local(async move {
        let request = DeviceRequest::from_worker_name(&scope.name());
        // The page ends this worker when it hears of the loss, and starts another.
        watch_devices(request.expose_gpu_device, |reason| post(&Message::DeviceLost(reason)));
        // Without its pool the threaded worker is no use: the page goes on with a one-thread one.
        #[cfg(feature = "threads")]
        if let Err(reason) = super::threads::start().await {
            return post_failed(&reason.to_string());
        }
        let mut state = WorkerState::start(request).await;
        post(&Message::Ready(state.backend()));
        while let Some((bytes, file)) = queue.next().await {
            let call: Call<'static> = match decode(&bytes) {
                Ok(call) => call,
                // A call that does not decode is still answered if its id does (it comes first).
                Err(error) => {
                    match postcard::take_from_bytes::<u32>(&bytes) {
                        Ok((id, _)) => post(&Message::Answer { id, result: Err(error) }),
                        Err(_) => web_sys::console::error_1(&error.to_string().into()),
                    }
                    continue;
                }
            };
            let id = call.id;
            let result = state.answer(call.request, file, |stage| post(&Message::Progress { id, stage })).await;
            post(&Message::Answer { id, result });
        }
    });
}

/// Tells the page this worker cannot serve (as its bootstrap does when the module fails).
#[cfg(feature = "threads")]
fn post_failed(reason: &str) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let failed = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&failed, &"failed".into(), &reason.into());
    let _ = scope.post_message(&failed);
}

fn post(message: &Message) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let bytes = Uint8Array::from(encode(message).as_slice());
    if let Err(err) = scope.post_message_with_transfer(&bytes, &Array::of1(&bytes.buffer())) {
        web_sys::console::error_1(&err);
    }
}
