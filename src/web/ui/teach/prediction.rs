//! Trying the user's classifier: an image or the live camera through the trained head,
//! every class's probability and each class's activation map.

use leptos::prelude::*;

use super::Teach;
use super::capture::TeachError;
use super::head_prediction::HeadPrediction;
use crate::web::platform::scope::yield_to_browser;
use crate::web::worker::{Image, WorkerError};

impl Teach {
    /// Classifies an image with the project's head: every class's probability and the
    /// activation map of each class over the center crop.
    pub async fn predict(self, image: Image, source: String) -> Result<(), TeachError> {
        self.backbone_for_project()?;
        let head = self.project.with_untracked(|p| p.current_head().cloned()).ok_or(TeachError::NotTrained)?;
        let looked = self.model.client().embed(image).await?;
        let crop = looked.crop.into_image().ok_or(WorkerError::Malformed("the crop's pixels do not fill its size".into()))?;
        let names = self.project.with_untracked(|project| project.class_names(&head.record.class_ids));
        self.prediction.set(Some(HeadPrediction::new(source, names, &head.weights, &looked.features, &looked.map, crop).not_sure_below(head.not_sure_below())));
        Ok(())
    }

    pub fn predict_file(self, file: web_sys::File) {
        self.live.set(false);
        self.run(async move {
            let name = file.name();
            self.predict(Image::File(file), name.clone()).await.map_err(|e| format!("{name}: {e}"))
        });
    }

    /// Predicts camera frames one after another while `live` is on.
    pub fn start_live(self) {
        if !self.webcam.on.get_untracked() {
            self.message.set(Some("Start the camera first.".into()));
            return;
        }
        self.live.set(true);
        self.run(async move {
            while self.live.get_untracked() {
                let Some(frame) = self.webcam.next_frame().await else { break };
                self.predict(Image::Frame(frame), "camera".into()).await?;
                yield_to_browser().await;
            }
            Ok::<_, TeachError>(())
        });
    }
}
