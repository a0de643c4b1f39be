//! The training loop on the page's side: the worker trains epoch by epoch, the page shows
//! each epoch's metrics and can cancel between epochs; the trained head joins the project.

use leptos::prelude::*;

use super::Teach;
use super::capture::TeachError;
use super::training_run::{TrainingRun, TrainingState};
use crate::train::project::{RunOutcome, TrainedHead};

impl Teach {
    /// Trains a head on the examples' stored features, epoch by epoch, until done or cancelled.
    pub fn train(self) {
        if matches!(self.training.state.get_untracked(), TrainingState::Running { .. }) {
            return;
        }
        self.run(async move {
            self.backbone_for_project()?;
            let (begin, trained_on) = self.project.with_untracked(|p| self.model.train_begin(p));
            let rows = begin.reply().await?;
            let started = web_time::Instant::now();
            let epochs = trained_on.settings.epochs;
            self.training.cancel.set_value(false);
            self.message.set(None);
            self.training.history.set(Vec::new());
            self.training.state.set(TrainingState::Running { epoch: 0, epochs });
            for _ in 0..epochs {
                if self.training.cancel.get_value() {
                    self.model.client().train_abandon().await;
                    self.training.state.set(TrainingState::Cancelled);
                    self.training.history.set(self.project.with_untracked(|p| p.head.as_ref().map(|h| h.record.history.clone()).unwrap_or_default()));
                    return Ok::<_, TeachError>(());
                }
                let metrics = match self.model.client().train_epoch().await {
                    Ok(metrics) => metrics,
                    Err(error) => {
                        self.model.client().train_abandon().await;
                        self.training.state.set(TrainingState::Idle);
                        return Err(error.into());
                    }
                };
                self.training.history.update(|h| h.push(metrics));
                self.training.state.set(TrainingState::Running { epoch: metrics.epoch, epochs });
            }
            let trained = self.model.client().train_finish().await?;
            let record = trained_on.record(RunOutcome {
                validation: trained.validation,
                history: self.training.history.get_untracked(),
                evaluation: trained.evaluation,
                few_shot: trained.few_shot,
            });
            self.project.update(|p| p.head = Some(TrainedHead { weights: trained.weights, record }));
            self.training.state.set(TrainingState::Finished);
            self.training.last_run.set(Some(TrainingRun { rows, seconds: started.elapsed().as_secs_f64(), memory: trained.memory }));
            self.save_info().await;
            Ok(())
        });
    }

    pub fn cancel_training(self) {
        self.training.cancel.set_value(true);
    }
}
