//! The page's end of the model worker: starts a worker on this app's own compiled wasm
//! module (no second download or compile) and turns each request into a future of its answer.
//! Where that worker picks the CPU path and the page can share memory, the calls go to the
//! threaded worker instead, started then; the first stays on standby until it is ready. Where
//! the user chose the CPU, the page starts the threaded worker first, and the one-thread
//! worker only if it fails.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;
use js_sys::{Array, Function, Object, Reflect, Uint8Array};
use serde_bytes::ByteBuf;
use wasm_bindgen::prelude::*;
use web_sys::{Blob, BlobPropertyBag, ErrorEvent, MessageEvent, Url, Worker, WorkerOptions, WorkerType};

use super::device_request::{CPU_CHOSEN, DevicePreference, DeviceRequest};
use super::error::WorkerError;
use super::protocol::{BackendInfo, CANCEL, Call, Message, Request, decode, encode};
use super::sources::Stage;
use super::threaded_files::{self, OneThread};
use crate::web::platform::scope::{describe, sleep_ms};

/// Imports a wasm-bindgen glue in the worker and instantiates the module the page names (the
/// app's compiled module, or the threaded worker's URL); the module's `main` then serves.
const BOOTSTRAP: &str = r#"
self.onmessage = async ({ data }) => {
  self.onmessage = null;
  try {
    const glue = await import(data.glue);
    await glue.default({ module_or_path: data.module });
  } catch (error) {
    self.postMessage({ failed: String(error && error.message || error) });
  }
};
"#;

#[wasm_bindgen]
extern "C" {
    /// URL of the wasm-bindgen glue module this code was loaded by.
    #[wasm_bindgen(thread_local_v2, js_namespace = ["import", "meta"], js_name = url)]
    static GLUE_URL: String;
}

struct InFlight {
    answer: oneshot::Sender<Result<ByteBuf, WorkerError>>,
    progress: Box<dyn FnMut(Stage)>,
}

struct State {
    /// The worker calls go to.
    worker: Worker,
    /// Where the hand-over to the threaded worker stands (it is tried once).
    handover: Handover,
    /// Why the CPU path runs on one thread, where it does.
    one_thread_because: Option<OneThread>,
    request: DeviceRequest,
    /// The message and error handlers, for the threaded worker too.
    handlers: Option<(Function, Function)>,
    next_id: u32,
    /// Calls posted before the worker said it is ready, in order.
    waiting: Option<Vec<Array>>,
    pending: HashMap<u32, InFlight>,
    /// Why the worker no longer answers, once it has failed.
    stopped: Option<WorkerError>,
}

/// The hand-over from a one-thread worker to the threaded one.
enum Handover {
    /// Not tried: when the first worker is ready on the CPU path on one thread, the threaded
    /// worker is started.
    Untried,
    /// The threaded worker is starting; if it fails, the fallback takes over.
    Starting(Fallback),
    /// Settled: the worker that calls go to stays.
    Done,
}

/// The one-thread worker, should the threaded one fail to start.
enum Fallback {
    /// Started first, it picked the CPU path (this device), and waits.
    Standby(Worker, BackendInfo),
    /// Not started: the user chose the CPU, so the page went straight to the threaded worker.
    Start,
}

/// What the page hears: the device once picked, and why the worker stopped answering.
struct Listeners {
    on_ready: Box<dyn Fn(BackendInfo)>,
    on_stop: Box<dyn Fn(WorkerError)>,
}

/// The running worker and the calls in flight.
pub struct ModelWorker {
    state: Rc<RefCell<State>>,
    _on_message: Closure<dyn FnMut(MessageEvent)>,
    _on_error: Closure<dyn FnMut(ErrorEvent)>,
}

impl ModelWorker {
    /// Starts the worker on the device `request` asks for; `on_ready` hears which device it
    /// picked, `on_stop` why it stopped answering (it died, or spoke nonsense).
    pub fn start(request: &DeviceRequest, on_ready: impl Fn(BackendInfo) + 'static, on_stop: impl Fn(WorkerError) + 'static) -> Result<Self, WorkerError> {
        let glue = GLUE_URL.with(|url| url.clone());
        let (mut handover, mut one_thread_because, mut worker) = (Handover::Untried, None, None);
        if request.preference == DevicePreference::Cpu {
            handover = Handover::Done;
            match threaded_files::locate(&glue) {
                Ok((threaded_glue, module)) => {
                    let threaded = DeviceRequest { cpu_reason: Some(CPU_CHOSEN.into()), ..request.clone() };
                    worker = Some(spawn(&threaded, &threaded_glue, &module.into())?);
                    handover = Handover::Starting(Fallback::Start);
                }
                Err(reason) => one_thread_because = Some(reason),
            }
        }
        let worker = match worker {
            Some(worker) => worker,
            None => spawn(request, &glue, &wasm_bindgen::module())?,
        };
        Ok(Self::attach(worker, handover, one_thread_because, request, Listeners { on_ready: Box::new(on_ready), on_stop: Box::new(on_stop) }))
    }

    /// Starts a one-thread worker on the CPU path, with no hand-over: a helper for batches
    /// (see `helpers`); `on_stop` hears why it stopped answering.
    pub fn one_thread(on_stop: impl Fn(WorkerError) + 'static) -> Result<Self, WorkerError> {
        let request = DeviceRequest { preference: DevicePreference::Cpu, ..DeviceRequest::default() };
        let worker = spawn(&request, &GLUE_URL.with(|url| url.clone()), &wasm_bindgen::module())?;
        Ok(Self::attach(worker, Handover::Done, None, &request, Listeners { on_ready: Box::new(|_| {}), on_stop: Box::new(on_stop) }))
    }

    /// Routes `worker`'s messages to the calls in flight and to `listeners`.
    fn attach(worker: Worker, handover: Handover, one_thread_because: Option<OneThread>, request: &DeviceRequest, listeners: Listeners) -> Self {
        let listeners = Rc::new(listeners);
        let state = Rc::new(RefCell::new(State {
            worker: worker.clone(),
            handover,
            one_thread_because,
            request: request.clone(),
            handlers: None,
            next_id: 0,
            waiting: Some(Vec::new()),
            pending: HashMap::new(),
            stopped: None,
        }));
        let on_message = {
            let (state, listeners) = (state.clone(), listeners.clone());
            Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
                if let Err(reason) = receive(&state, event.data(), &listeners) {
                    failed(&state, reason, &listeners);
                }
            })
        };
        let on_error = {
            let (state, listeners) = (state.clone(), listeners.clone());
            Closure::<dyn FnMut(ErrorEvent)>::new(move |event: ErrorEvent| {
                event.prevent_default();
                failed(&state, WorkerError::Failed(event.message()), &listeners);
            })
        };
        let handlers: (Function, Function) = (on_message.as_ref().clone().unchecked_into(), on_error.as_ref().clone().unchecked_into());
        listen(&worker, &handlers);
        state.borrow_mut().handlers = Some(handlers);
        if matches!(state.borrow().handover, Handover::Starting(_)) {
            watch_threaded_start(&state, &listeners);
        }
        Self { state, _on_message: on_message, _on_error: on_error }
    }

    /// Sends `request` now (it is encoded before this returns), with `file` beside it;
    /// `progress` hears the stages of a model load. The answer arrives on the returned channel.
    pub fn send(&self, request: Request<'_>, file: Option<&Blob>, progress: impl FnMut(Stage) + 'static) -> Result<Answer, WorkerError> {
        let (answer, answered) = oneshot::channel();
        let mut state = self.state.borrow_mut();
        if let Some(reason) = &state.stopped {
            return Err(reason.clone());
        }
        let id = state.next_id;
        state.next_id = state.next_id.wrapping_add(1);
        state.pending.insert(id, InFlight { answer, progress: Box::new(progress) });
        let parts = Array::of1(&Uint8Array::from(encode(&Call { id, request }).as_slice()));
        if let Some(file) = file {
            parts.push(file);
        }
        match state.waiting.as_mut() {
            Some(waiting) => waiting.push(parts),
            None => post(&state.worker, &parts),
        }
        Ok(answered)
    }

    /// Says on `backend` why the CPU path computes on one thread, where it does.
    pub fn explain_threads(&self, backend: &mut BackendInfo) {
        explain(&self.state.borrow().one_thread_because, backend);
    }

    /// Stops the model download in progress; its load then fails with the reason.
    pub fn cancel_download(&self) {
        post(&self.state.borrow().worker, &Array::of1(&JsValue::from_str(CANCEL)));
    }
}

/// Where one call's answer arrives.
pub type Answer = oneshot::Receiver<Result<ByteBuf, WorkerError>>;

impl Drop for ModelWorker {
    fn drop(&mut self) {
        let state = self.state.borrow();
        // A message already queued must not reach the handlers dropped with this.
        state.worker.set_onmessage(None);
        state.worker.set_onerror(None);
        state.worker.terminate();
        if let Handover::Starting(Fallback::Standby(standby, _)) = &state.handover {
            standby.terminate();
        }
    }
}

/// A worker named after `request`, told to run `glue` on `module` (a compiled module or a URL).
fn spawn(request: &DeviceRequest, glue: &str, module: &JsValue) -> Result<Worker, WorkerError> {
    let not_started = |e: JsValue| WorkerError::NotStarted(describe(e));
    let options = BlobPropertyBag::new();
    options.set_type("text/javascript");
    let blob = Blob::new_with_str_sequence_and_options(&Array::of1(&BOOTSTRAP.into()), &options).map_err(not_started)?;
    let script = Url::create_object_url_with_blob(&blob).map_err(not_started)?;
    let worker_options = WorkerOptions::new();
    worker_options.set_type(WorkerType::Module);
    worker_options.set_name(&request.worker_name());
    let worker = Worker::new_with_options(&script, &worker_options).map_err(not_started)?;
    let _ = Url::revoke_object_url(&script);
    let start = Object::new();
    Reflect::set(&start, &"glue".into(), &glue.into()).map_err(not_started)?;
    Reflect::set(&start, &"module".into(), module).map_err(not_started)?;
    worker.post_message(&start).map_err(not_started)?;
    Ok(worker)
}

fn listen(worker: &Worker, (on_message, on_error): &(Function, Function)) {
    worker.set_onmessage(Some(on_message));
    worker.set_onerror(Some(on_error));
}

/// Posts `[call bytes, file?]`, transferring the bytes' buffer (a file is not copied either:
/// a `Blob` crosses by reference).
fn post(worker: &Worker, parts: &Array) {
    let transfer = parts.get(0).dyn_into::<Uint8Array>().map(|bytes| Array::of1(&bytes.buffer())).unwrap_or_default();
    if let Err(err) = worker.post_message_with_transfer(parts, &transfer) {
        web_sys::console::error_1(&err);
    }
}

/// How long the threaded worker may take to say it is ready (its thread pool up) before the
/// page goes on with a one-thread worker: Firefox once left a page waiting for ever here.
const THREADED_START_MS: i32 = 30_000;

/// Hands over to the one-thread fallback should the threaded worker, starting now, not be
/// ready in [`THREADED_START_MS`].
fn watch_threaded_start(state: &Rc<RefCell<State>>, listeners: &Rc<Listeners>) {
    let (state, listeners) = (Rc::downgrade(state), listeners.clone());
    wasm_bindgen_futures::spawn_local(async move {
        sleep_ms(THREADED_START_MS).await;
        let Some(state) = state.upgrade() else { return };
        if matches!(state.borrow().handover, Handover::Starting(_)) {
            let reason = WorkerError::NotStarted(format!("its thread pool was not ready after {} s", THREADED_START_MS / 1000));
            failed(&state, reason, &listeners);
        }
    });
}

/// Routes one message from the worker; an error means the worker cannot be trusted to answer.
fn receive(state: &Rc<RefCell<State>>, data: JsValue, listeners: &Rc<Listeners>) -> Result<(), WorkerError> {
    if let Some(failed) = Reflect::get(&data, &"failed".into()).ok().and_then(|f| f.as_string()) {
        return Err(WorkerError::NotStarted(failed));
    }
    let bytes = data.dyn_into::<Uint8Array>().map_err(|_| WorkerError::Malformed("not a message's bytes".into()))?;
    let message = decode::<Message>(&bytes.to_vec())?;
    match message {
        Message::Ready(backend) => {
            let handover = std::mem::replace(&mut state.borrow_mut().handover, Handover::Done);
            match handover {
                Handover::Starting(Fallback::Standby(first, _)) => first.terminate(),
                Handover::Untried if !backend.is_webgpu() && backend.threads <= 1 => match start_threaded(state, &backend) {
                    Ok(()) => {
                        watch_threaded_start(state, listeners);
                        return Ok(());
                    }
                    Err(reason) => state.borrow_mut().one_thread_because = Some(reason),
                },
                _ => {}
            }
            ready(state, backend, listeners);
        }
        Message::Progress { id, stage } => {
            // Taken out while it runs: it may update the page, which may send another call.
            let progress = state.borrow_mut().pending.get_mut(&id).map(|p| std::mem::replace(&mut p.progress, Box::new(|_| {})));
            if let Some(mut progress) = progress {
                progress(stage);
                if let Some(pending) = state.borrow_mut().pending.get_mut(&id) {
                    pending.progress = progress;
                }
            }
        }
        Message::Answer { id, result } => {
            let pending = state.borrow_mut().pending.remove(&id);
            if let Some(pending) = pending {
                let _ = pending.answer.send(result);
            }
        }
        Message::DeviceLost(reason) => return Err(WorkerError::DeviceLost(reason)),
    }
    Ok(())
}

/// Starts the threaded worker for the CPU path the first worker picked (`backend`), which
/// stands by; or says why the page cannot.
fn start_threaded(state: &Rc<RefCell<State>>, backend: &BackendInfo) -> Result<(), OneThread> {
    let (glue, module) = threaded_files::locate(&GLUE_URL.with(|url| url.clone()))?;
    let mut state = state.borrow_mut();
    let request = DeviceRequest { cpu_reason: backend.fallback_reason.clone(), known: backend.probe.clone(), ..state.request.clone() };
    let threaded = spawn(&request, &glue, &module.into()).map_err(|e| OneThread::DidNotStart(e.to_string()))?;
    if let Some(handlers) = &state.handlers {
        listen(&threaded, handlers);
    }
    let first = std::mem::replace(&mut state.worker, threaded);
    state.handover = Handover::Starting(Fallback::Standby(first, backend.clone()));
    Ok(())
}

/// The worker is ready: the calls waiting go to it, and the page hears its device.
fn ready(state: &Rc<RefCell<State>>, mut backend: BackendInfo, listeners: &Listeners) {
    {
        let mut state = state.borrow_mut();
        explain(&state.one_thread_because, &mut backend);
        let waiting = state.waiting.take().unwrap_or_default();
        waiting.iter().for_each(|parts| post(&state.worker, parts));
    }
    (listeners.on_ready)(backend);
}

/// Puts `because` on a CPU path `backend` that computes on one thread.
fn explain(because: &Option<OneThread>, backend: &mut BackendInfo) {
    if !backend.is_webgpu() && backend.threads <= 1 {
        backend.one_thread_because = because.as_ref().map(OneThread::to_string);
    }
}

/// A worker failed: the threaded one, while starting, hands over to a one-thread worker
/// (saying why); otherwise every call fails (see [`stop`]).
fn failed(state: &Rc<RefCell<State>>, reason: WorkerError, listeners: &Listeners) {
    let handover = std::mem::replace(&mut state.borrow_mut().handover, Handover::Done);
    let first = match handover {
        Handover::Untried | Handover::Done => return stop(state, reason, &*listeners.on_stop),
        Handover::Starting(Fallback::Standby(first, backend)) => Ok((first, Some(backend))),
        Handover::Starting(Fallback::Start) => {
            spawn(&state.borrow().request, &GLUE_URL.with(|url| url.clone()), &wasm_bindgen::module()).map(|first| (first, None))
        }
    };
    let (first, backend) = match first {
        Ok(first) => first,
        Err(error) => return stop(state, error, &*listeners.on_stop),
    };
    {
        let mut state = state.borrow_mut();
        std::mem::replace(&mut state.worker, first.clone()).terminate();
        state.one_thread_because = Some(OneThread::DidNotStart(reason.to_string()));
        if let Some(handlers) = &state.handlers {
            listen(&first, handlers);
        }
    }
    // A worker started now says it is ready itself.
    if let Some(backend) = backend {
        ready(state, backend, listeners);
    }
}

/// Fails every call waiting for an answer, and every later one, with `reason`; `on_stop`
/// hears it once.
fn stop(state: &Rc<RefCell<State>>, reason: WorkerError, on_stop: &dyn Fn(WorkerError)) {
    let (pending, first) = {
        let mut state = state.borrow_mut();
        let first = state.stopped.is_none();
        state.stopped.get_or_insert_with(|| reason.clone());
        (state.pending.drain().map(|(_, p)| p).collect::<Vec<InFlight>>(), first)
    };
    for p in pending {
        let _ = p.answer.send(Err(reason.clone()));
    }
    if first {
        on_stop(reason);
    }
}
