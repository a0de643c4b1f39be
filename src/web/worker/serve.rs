//! The worker's side: picks the device, holds the model and the trainer, and answers the
//! page's requests one at a time, in order (the device runs one pass at a time anyway).

use burn::tensor::Device;
use futures_channel::mpsc;
use futures_util::StreamExt;
use js_sys::Uint8Array;
use serde_bytes::ByteBuf;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{DedicatedWorkerGlobalScope, MessageEvent};

use crate::engine::{Classifier, EngineError};
use crate::model::quant::is_int8;
use crate::train::trainer::{LabeledFeatures, Trainer};
use crate::vision::preprocess::{decode, preprocess, resize_and_crop};
use crate::vision::views::thumbnail;

use super::super::cache;
use super::super::device::{Backend, pick_device};
use super::super::memory::MemoryFigures;
use super::super::models::{Stage, obtain};
use super::protocol::{BackendInfo, Call, ClassifiedImage, LoadedModel, Message, Picture, Reply, Request, decode as decode_message, encode};

/// What the worker holds between requests.
struct Engine {
    backend: Backend,
    classifier: Option<Classifier>,
    trainer: Option<Trainer>,
}

/// Installs the message handler and tells the page the worker is ready.
pub fn serve() {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let (calls, mut queue) = mpsc::unbounded::<Vec<u8>>();
    let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
        if let Ok(bytes) = event.data().dyn_into::<Uint8Array>() {
            let _ = calls.unbounded_send(bytes.to_vec());
        }
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    wasm_bindgen_futures::spawn_local(async move {
        let mut engine = Engine { backend: pick_device().await, classifier: None, trainer: None };
        post(&Message::Ready(engine.backend.info()));
        while let Some(bytes) = queue.next().await {
            let call: Call<'static> = match decode_message(&bytes) {
                Ok(call) => call,
                Err(message) => {
                    web_sys::console::error_1(&message.into());
                    continue;
                }
            };
            let id = call.id;
            let result = engine.answer(id, call.request).await;
            post(&Message::Answer { id, result });
        }
    });
}

fn post(message: &Message) {
    let scope: DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let bytes = Uint8Array::from(encode(message).as_slice());
    let transfer = js_sys::Array::of1(&bytes.buffer());
    if let Err(err) = scope.post_message_with_transfer(&bytes, &transfer) {
        web_sys::console::error_1(&err);
    }
}

impl Backend {
    pub fn info(&self) -> BackendInfo {
        BackendInfo { name: self.name.to_string(), adapter: self.adapter.clone(), fallback_reason: self.fallback_reason.clone() }
    }
}

impl Engine {
    async fn answer(&mut self, id: u32, request: Request<'static>) -> Result<Reply, String> {
        match request {
            Request::Load(source) => {
                let obtained = obtain(&source, |stage| post(&Message::Progress { id, stage })).await?;
                post(&Message::Progress { id, stage: Stage::Preparing });
                let mut loaded = self.load(&obtained.int8, obtained.from_cache).await;
                match &mut loaded {
                    // The model is loaded either way; a full or blocked cache only costs the next visit a download.
                    Ok(model) if !obtained.from_cache => model.not_cached = cache::put(&obtained.cache_key, &obtained.int8).await.err(),
                    Err(_) if obtained.from_cache => {
                        cache::delete(&obtained.cache_key).await.ok();
                    }
                    _ => {}
                }
                loaded.map(Reply::Loaded).map_err(|message| format!("{}: {message}", source.name))
            }
            Request::LoadFile { name, bytes } => self.load(&bytes, false).await.map(Reply::Loaded).map_err(|message| format!("{name}: {message}")),
            Request::Classify { picture, k } => self.classify(picture, k).await.map(Reply::Classified),
            Request::ExampleFeatures { picture, augment, seed } => {
                let image = picture_to_rgb(picture)?;
                let features = self.classifier()?.example_features(&image, augment, seed).await.map_err(|e| e.to_string())?;
                Ok(Reply::Features { features, thumbnail: ByteBuf::from(thumbnail(&image)) })
            }
            Request::Look { picture } => {
                let image = picture_to_rgb(picture)?;
                let classifier = self.classifier()?;
                let p = classifier.preprocessing().clone();
                let (features, map) = classifier.features_and_map(preprocess(&image, &p)).await.map_err(|e| e.to_string())?;
                Ok(Reply::Looked { features, map, crop: Picture::rgb(resize_and_crop(&image, &p)) })
            }
            Request::TrainBegin { examples, names, settings } => {
                let labeled: Vec<LabeledFeatures> = examples.iter().map(|e| LabeledFeatures { class: e.class, views: &e.views }).collect();
                let trainer = Trainer::new(&labeled, &names, settings, &self.backend.device).map_err(|e| e.to_string())?;
                let rows = trainer.rows();
                self.trainer = Some(trainer);
                Ok(Reply::TrainStarted { rows })
            }
            Request::TrainEpoch => {
                let trainer = self.trainer.as_mut().ok_or("no training is running")?;
                trainer.epoch().await.map(Reply::Epoch).map_err(|e| e.to_string())
            }
            Request::TrainFinish => {
                let trainer = self.trainer.take().ok_or("no training is running")?;
                let weights = trainer.weights().await.map_err(|e| e.to_string())?;
                let (validation, evaluation) = (trainer.split().validation.clone(), trainer.evaluation().cloned());
                drop(trainer);
                Ok(Reply::Trained { weights, validation, evaluation, memory: self.memory() })
            }
            Request::TrainAbandon => {
                self.trainer = None;
                Ok(Reply::Done)
            }
        }
    }

    fn classifier(&self) -> Result<&Classifier, String> {
        self.classifier.as_ref().ok_or_else(|| "the model is still loading; try again in a moment".into())
    }

    fn memory(&self) -> MemoryFigures {
        MemoryFigures::read(&self.backend.device)
    }

    /// Builds the classifier and warms it up, replacing the current one only on success; if
    /// WebGPU fails here, the CPU takes over.
    async fn load(&mut self, bytes: &[u8], from_cache: bool) -> Result<LoadedModel, String> {
        let classifier = match prepare_on(bytes, &self.backend.device).await {
            Err(EngineError::Device(reason)) if self.backend.is_webgpu() => {
                let cpu = Backend::cpu(format!("WebGPU failed while loading the model: {reason}"));
                let classifier = prepare_on(bytes, &cpu.device).await.map_err(|e| e.to_string())?;
                self.trainer = None;
                self.backend = cpu;
                classifier
            }
            result => result.map_err(|e| e.to_string())?,
        };
        let (backbone, preprocessing) = (classifier.backbone().map(str::to_string), classifier.preprocessing().clone());
        self.classifier = Some(classifier);
        self.backend.device.memory_cleanup();
        Ok(LoadedModel { bytes: bytes.len() as u64, int8: is_int8(bytes), from_cache, not_cached: None, backbone, preprocessing, backend: self.backend.info(), memory: self.memory() })
    }

    async fn classify(&self, picture: Picture, k: usize) -> Result<ClassifiedImage, String> {
        let classifier = self.classifier()?;
        let looked = match picture {
            Picture::Encoded(bytes) => classifier.look_at(&bytes, k).await,
            frame => classifier.look_at_image(picture_to_rgb(frame)?, 0.0, k).await,
        }
        .map_err(|e| e.to_string())?;
        Ok(ClassifiedImage {
            classification: looked.classification,
            side: looked.side,
            maps: looked.maps,
            crop: Picture::rgb(looked.crop),
            memory: self.memory(),
        })
    }
}

fn picture_to_rgb(picture: Picture) -> Result<image::RgbImage, String> {
    match picture {
        Picture::Encoded(bytes) => decode(&bytes).map_err(|e| e.to_string()),
        rgb => rgb.into_rgb().ok_or_else(|| "the frame's pixels do not match its size".into()),
    }
}

async fn prepare_on(bytes: &[u8], device: &Device) -> Result<Classifier, EngineError> {
    let classifier = Classifier::from_weights(bytes, device)?;
    classifier.warm_up().await?;
    Ok(classifier)
}
