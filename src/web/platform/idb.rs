//! A small async face on IndexedDB: one database, named object stores with out-of-line
//! keys, and get / get-all / put / delete / clear as futures. Writes resolve once their
//! transaction has committed, so a reload right after sees them.

use js_sys::{Array, Function, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{DomException, Event, EventTarget, IdbDatabase, IdbObjectStore, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

use super::scope::describe;

/// Why IndexedDB did not do what was asked.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StorageError {
    /// The browser offers no IndexedDB (private mode, or storage turned off).
    #[error("this browser offers no IndexedDB (private mode?): the project cannot be saved")]
    Unavailable,
    /// The site's share of the browser's storage is used up (a `QuotaExceededError`).
    #[error("this browser's storage for this site is full ({0}); free space (Device details lists what it holds) or export the project")]
    Full(String),
    /// Any other refusal, in the browser's words.
    #[error("{0}")]
    Refused(String),
}

impl StorageError {
    /// The browser's error (a `DOMException`, usually), told apart by its name.
    fn from_js(value: JsValue) -> Self {
        let full = value.dyn_ref::<DomException>().is_some_and(|e| e.name() == "QuotaExceededError");
        let message = describe(value);
        if full { Self::Full(message) } else { Self::Refused(message) }
    }
}

/// One write: the store, the key, and the value to put there (`None` deletes it).
pub type Write = (&'static str, JsValue, Option<JsValue>);

/// An open IndexedDB database.
pub struct Database {
    db: IdbDatabase,
}

/// Waits for a request's or transaction's `ok_event` (then yields `result()`) or its error.
/// Listeners are attached before the first await, so no event can be missed; they are
/// dropped once the wait is over.
async fn settled(target: &EventTarget, ok_event: &str, result: impl FnOnce() -> JsValue + 'static) -> Result<JsValue, StorageError> {
    let mut result = Some(result);
    let mut listeners = None;
    let promise = Promise::new(&mut |resolve: Function, reject: Function| {
        let mut result = result.take();
        let on_ok = Closure::<dyn FnMut(Event)>::new(move |_: Event| {
            let value = result.take().map(|r| r()).unwrap_or(JsValue::UNDEFINED);
            let _ = resolve.call1(&JsValue::NULL, &value);
        });
        let on_error = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let error = event
                .target()
                .and_then(|t| js_sys::Reflect::get(&t, &"error".into()).ok())
                .filter(|e| !e.is_null() && !e.is_undefined())
                .unwrap_or_else(|| "the browser refused the storage request".into());
            let _ = reject.call1(&JsValue::NULL, &error);
        });
        let _ = target.add_event_listener_with_callback(ok_event, on_ok.as_ref().unchecked_ref());
        let _ = target.add_event_listener_with_callback("error", on_error.as_ref().unchecked_ref());
        let _ = target.add_event_listener_with_callback("abort", on_error.as_ref().unchecked_ref());
        listeners = Some((on_ok, on_error));
    });
    let outcome = JsFuture::from(promise).await.map_err(StorageError::from_js);
    drop(listeners);
    outcome
}

async fn request(request: IdbRequest) -> Result<JsValue, StorageError> {
    let source = request.clone();
    settled(&request, "success", move || source.result().unwrap_or(JsValue::UNDEFINED)).await
}

impl Database {
    /// Opens (creating or upgrading to `version`) a database with these object stores.
    pub async fn open(name: &str, version: u32, stores: &'static [&'static str]) -> Result<Self, StorageError> {
        let factory = web_sys::window().and_then(|w| w.indexed_db().ok().flatten()).ok_or(StorageError::Unavailable)?;
        let open: IdbOpenDbRequest = factory.open_with_u32(name, version).map_err(StorageError::from_js)?;
        let upgrade = Closure::<dyn FnMut(Event)>::new(move |event: Event| {
            let Some(request) = event.target().and_then(|t| t.dyn_into::<IdbOpenDbRequest>().ok()) else { return };
            let Ok(db) = request.result().and_then(|r| r.dyn_into::<IdbDatabase>()) else { return };
            for store in stores {
                if !db.object_store_names().contains(store) {
                    let _ = db.create_object_store(store);
                }
            }
        });
        open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
        upgrade.forget();
        let db = request(open.into()).await?.dyn_into::<IdbDatabase>().map_err(StorageError::from_js)?;
        Ok(Self { db })
    }

    fn transaction(&self, stores: &[&str], mode: IdbTransactionMode) -> Result<IdbTransaction, StorageError> {
        let names: Array = stores.iter().map(|s| JsValue::from_str(s)).collect();
        self.db.transaction_with_str_sequence_and_mode(&names, mode).map_err(StorageError::from_js)
    }

    fn store(transaction: &IdbTransaction, name: &str) -> Result<IdbObjectStore, StorageError> {
        transaction.object_store(name).map_err(StorageError::from_js)
    }

    /// The value under `key` in `store` (`undefined` if none).
    pub async fn get(&self, store: &str, key: &JsValue) -> Result<JsValue, StorageError> {
        let transaction = self.transaction(&[store], IdbTransactionMode::Readonly)?;
        request(Self::store(&transaction, store)?.get(key).map_err(StorageError::from_js)?).await
    }

    /// Every value of a store, in key order.
    pub async fn get_all(&self, store: &str) -> Result<Array, StorageError> {
        let transaction = self.transaction(&[store], IdbTransactionMode::Readonly)?;
        Ok(request(Self::store(&transaction, store)?.get_all().map_err(StorageError::from_js)?).await?.unchecked_into())
    }

    /// Queues one put or delete in `transaction`; its request.
    fn apply(transaction: &IdbTransaction, (store, key, value): Write) -> Result<IdbRequest, StorageError> {
        let store = Self::store(transaction, store)?;
        match value {
            Some(value) => store.put_with_key(&value, &key),
            None => store.delete(&key),
        }
        .map_err(StorageError::from_js)
    }

    /// Applies `writes` (store, key, value-or-delete) in one transaction and waits for the
    /// commit; either all of them are stored or none.
    pub async fn write(&self, writes: Vec<Write>) -> Result<(), StorageError> {
        let mut names: Vec<&str> = writes.iter().map(|(store, _, _)| *store).collect();
        names.sort_unstable();
        names.dedup();
        let transaction = self.transaction(&names, IdbTransactionMode::Readwrite)?;
        for write in writes {
            Self::apply(&transaction, write)?;
        }
        settled(&transaction, "complete", || JsValue::UNDEFINED).await.map(|_| ())
    }

    /// Replaces the contents of `stores` in one transaction: they are cleared, then each
    /// batch from `next_batch` is written once the one before it is stored (so the page
    /// runs between batches and holds one batch's records at a time). At the first failure
    /// the transaction is aborted: either all of it is stored or nothing changed.
    pub async fn rewrite(&self, stores: &[&str], mut next_batch: impl FnMut() -> Option<Vec<Write>>) -> Result<(), StorageError> {
        let transaction = self.transaction(stores, IdbTransactionMode::Readwrite)?;
        let written: Result<(), StorageError> = async {
            for store in stores {
                Self::store(&transaction, store)?.clear().map_err(StorageError::from_js)?;
            }
            while let Some(batch) = next_batch() {
                let mut last = None;
                for write in batch {
                    last = Some(Self::apply(&transaction, write)?);
                }
                // The transaction stays active while one of its requests is pending.
                if let Some(last) = last {
                    request(last).await?;
                }
            }
            Ok(())
        }
        .await;
        if let Err(message) = written {
            let _ = transaction.abort();
            return Err(message);
        }
        settled(&transaction, "complete", || JsValue::UNDEFINED).await.map(|_| ())
    }

    /// Empties these stores, in one transaction.
    pub async fn clear(&self, stores: &[&str]) -> Result<(), StorageError> {
        let transaction = self.transaction(stores, IdbTransactionMode::Readwrite)?;
        for store in stores {
            Self::store(&transaction, store)?.clear().map_err(StorageError::from_js)?;
        }
        settled(&transaction, "complete", || JsValue::UNDEFINED).await.map(|_| ())
    }
}
