//! Helper workers for batches where the CPU path computes on one thread (a page that is not
//! cross-origin isolated cannot run the threaded worker). Each helper is a one-thread model
//! worker holding the same model, loaded by replaying the main worker's load (its bytes come
//! from the cache). Batch classification and example features go to whichever worker has the
//! fewest of them in flight.
//!
//! Measured (docs/BENCHMARKS.md): on two cores, a batch split between two one-thread
//! workers runs at 1.17× the images/s of one worker with two threads, at twice its memory. So
//! helpers start only where threads are missing, only when a batch starts, and only as many
//! as the cores and the device's memory allow (or as `?workers=N` asks).

use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};

use super::change::{Change, Notify};
use super::client::{Answer, ModelWorker};
use super::error::WorkerError;
use super::protocol::{Load, LoadFile, Request};
use super::sources::ModelSource;
use crate::web::platform::scope::navigator;

/// Most workers a batch is spread over, the main one included.
const MOST_WORKERS: usize = 4;
/// Share of the device's memory the workers may take together.
const MEMORY_SHARE: f64 = 0.5;
/// The device's memory where the browser does not tell (`navigator.deviceMemory` is
/// Chromium's only).
const UNKNOWN_DEVICE_MEMORY: f64 = 4.0 * GIB;
/// Least memory a worker is reckoned to take (its heap holds the model and one pass).
const LEAST_WORKER_BYTES: f64 = 256.0 * 1024.0 * 1024.0;
const GIB: f64 = 1024.0 * 1024.0 * 1024.0;

/// What the main worker loaded last, to load again in a helper.
#[derive(Clone)]
pub enum Replay {
    /// A model from a URL (cached by the main worker's load).
    Source(ModelSource),
    /// Weights from a file the user gave.
    File(web_sys::File),
}

/// The helpers of the model loaded now.
pub struct Helpers {
    helpers: RefCell<Vec<Rc<Helper>>>,
    replay: RefCell<Option<Replay>>,
    /// Helpers were started for this model (once: a helper that failed is not started again).
    started: Cell<bool>,
    /// The main worker's batch calls in flight.
    main_busy: Rc<Cell<usize>>,
    /// How many workers the address asks for (`?workers=N`), if it does.
    asked: Option<usize>,
    /// Calls the helpers have answered since the model was loaded.
    answered: Cell<usize>,
    /// Told the number of workers batch calls go to, and of calls the helpers answered.
    notify: Notify,
}

/// One helper worker.
pub struct Helper {
    worker: ModelWorker,
    /// Its load has succeeded: it takes calls.
    loaded: Cell<bool>,
    /// It stopped answering, or its load failed: it is dropped at the next pick.
    gone: Cell<bool>,
    busy: Rc<Cell<usize>>,
}

impl Helper {
    /// Sends a batch call to this helper.
    pub fn send(&self, request: Request<'_>, file: Option<&web_sys::Blob>) -> Result<Answer, WorkerError> {
        self.worker.send(request, file, |_| {})
    }
}

/// Counts one call in flight on a worker, until dropped.
pub struct Busy(Rc<Cell<usize>>);

impl Busy {
    fn new(count: &Rc<Cell<usize>>) -> Self {
        count.set(count.get() + 1);
        Self(count.clone())
    }
}

impl Drop for Busy {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

impl Helpers {
    /// No helpers yet; `asked` is the address's `?workers=N`.
    pub fn new(asked: Option<usize>, notify: Notify) -> Rc<Self> {
        Rc::new(Self {
            helpers: RefCell::default(),
            replay: RefCell::default(),
            started: Cell::new(false),
            main_busy: Rc::default(),
            asked,
            answered: Cell::new(0),
            notify,
        })
    }

    /// Ends every helper: the main worker's model is about to change (to `replay`, once it
    /// has); the replay it had, to put back should its load fail.
    pub fn reset(&self, replay: Option<Replay>) -> Option<Replay> {
        self.helpers.borrow_mut().clear();
        let previous = self.replay.replace(replay);
        self.started.set(false);
        self.recount();
        self.answered.set(0);
        (self.notify)(Change::HelpersAnswered(0));
        previous
    }

    /// Starts helpers for a batch, unless they run already, for the model loaded by the main
    /// worker, whose heap is `heap` bytes. The number of workers the batch may keep busy.
    pub fn widen(self: &Rc<Self>, heap: u64) -> usize {
        let replay = self.replay.borrow().clone();
        if !self.started.get()
            && let Some(replay) = replay
        {
            self.started.set(true);
            let wanted = self.asked.map_or_else(|| fitting(heap), |n| n.clamp(1, MOST_WORKERS * 2)) - 1;
            for _ in 0..wanted {
                if let Err(error) = self.start_one(&replay) {
                    web_sys::console::warn_1(&format!("a helper worker for batches did not start: {error}").into());
                    break;
                }
            }
        }
        1 + self.helpers.borrow().iter().filter(|h| !h.gone.get()).count()
    }

    fn start_one(self: &Rc<Self>, replay: &Replay) -> Result<(), WorkerError> {
        let stopped: Rc<RefCell<Weak<Helper>>> = Rc::default();
        let on_stop = {
            let (stopped, helpers) = (stopped.clone(), Rc::downgrade(self));
            move |_| {
                if let (Some(helper), Some(helpers)) = (stopped.borrow().upgrade(), helpers.upgrade()) {
                    helpers.drop_out(&helper);
                }
            }
        };
        let worker = ModelWorker::one_thread(on_stop)?;
        let answer = match replay {
            Replay::Source(source) => worker.send(Load(source.clone()).into(), None, |_| {}),
            Replay::File(file) => worker.send(LoadFile { name: file.name() }.into(), Some(file.as_ref()), |_| {}),
        }?;
        let helper = Rc::new(Helper { worker, loaded: Cell::new(false), gone: Cell::new(false), busy: Rc::default() });
        *stopped.borrow_mut() = Rc::downgrade(&helper);
        self.helpers.borrow_mut().push(helper.clone());
        let (helper, helpers) = (Rc::downgrade(&helper), Rc::downgrade(self));
        wasm_bindgen_futures::spawn_local(async move {
            let loaded = answer.await.is_ok_and(|answer| answer.is_ok());
            let (Some(helper), Some(helpers)) = (helper.upgrade(), helpers.upgrade()) else { return };
            if loaded && !helper.gone.get() {
                helper.loaded.set(true);
                helpers.recount();
            } else {
                helpers.drop_out(&helper);
            }
        });
        Ok(())
    }

    /// Takes `helper` out of the batches (it is ended at the next pick, not from inside its
    /// own message handler).
    pub fn drop_out(&self, helper: &Helper) {
        helper.gone.set(true);
        self.recount();
    }

    /// Counts the workers batch calls go to: the main one and the helpers of this model loaded
    /// and not gone (one ended by a reset, still answering a call, is no longer listed).
    fn recount(&self) {
        let helpers = self.helpers.borrow().iter().filter(|h| h.loaded.get() && !h.gone.get()).count();
        (self.notify)(Change::Workers(1 + helpers));
    }

    /// Counts a batch call a helper answered.
    pub fn count_answer(&self) {
        self.answered.set(self.answered.get() + 1);
        (self.notify)(Change::HelpersAnswered(self.answered.get()));
    }

    /// The worker with the fewest batch calls in flight (a helper, or `None` for the main
    /// worker), counted busy with one more until the returned [`Busy`] is dropped.
    pub fn pick(&self) -> (Option<Rc<Helper>>, Busy) {
        self.helpers.borrow_mut().retain(|h| !h.gone.get());
        let helpers = self.helpers.borrow();
        let idlest = helpers.iter().filter(|h| h.loaded.get()).min_by_key(|h| h.busy.get());
        match idlest {
            Some(helper) if helper.busy.get() < self.main_busy.get() => (Some(helper.clone()), Busy::new(&helper.busy)),
            _ => (None, Busy::new(&self.main_busy)),
        }
    }
}

/// Workers (the main one included) that fit this device: one a core, at most
/// [`MOST_WORKERS`], each taking `heap` bytes, all within [`MEMORY_SHARE`] of its memory.
fn fitting(heap: u64) -> usize {
    let number = |name: &str| js_sys::Reflect::get(&navigator(), &name.into()).ok().and_then(|v| v.as_f64());
    let cores = number("hardwareConcurrency").unwrap_or(1.0) as usize;
    let memory = number("deviceMemory").map_or(UNKNOWN_DEVICE_MEMORY, |gib| gib * GIB);
    let by_memory = (memory * MEMORY_SHARE / (heap as f64).max(LEAST_WORKER_BYTES)) as usize;
    cores.min(by_memory).clamp(1, MOST_WORKERS)
}

/// Whether `error` says the worker itself is gone (rather than the call failing on its input).
pub fn worker_gone(error: &WorkerError) -> bool {
    matches!(error, WorkerError::Stopped | WorkerError::Failed(_) | WorkerError::NotStarted(_) | WorkerError::Malformed(_))
}
