//! A head arriving by share link: it opens as a project (its classes, no examples) once the
//! saved project is read and the model it was trained on is loaded — at once where the
//! project here is empty, on the user's word where it would replace examples or a head.

use leptos::prelude::*;

use super::Teach;
use crate::export::share::{ShareError, SharedHead};
use crate::web::ui::share_address::forget_shared_address;

/// Where an arriving head stands.
#[derive(Debug, Clone, PartialEq)]
enum Arrival {
    /// The saved project or the model is still loading.
    Waiting,
    /// The model loaded is other weights than the head's.
    OtherBackbone,
    /// Opening it would replace this project's examples or head.
    Replaces { examples: usize, classes: usize },
    /// Nothing stands in the way.
    Ready,
}

impl Teach {
    /// Takes the head the address carried at opening, if any, and opens it when it can.
    pub(super) fn receive_shared(self, shared: Option<Result<SharedHead, ShareError>>) {
        match shared {
            None => return,
            Some(Err(error)) => {
                self.message.set(Some(format!("The share link could not be opened: {error}. Ask for the link again, or for the project file.")));
                return forget_shared_address();
            }
            Some(Ok(shared)) => self.incoming.set(Some(shared)),
        }
        Effect::new(move || {
            if self.arrival() == Some(Arrival::Ready) {
                self.open_shared();
            }
        });
    }

    fn arrival(self) -> Option<Arrival> {
        let backbone = self.incoming.with(|shared| shared.as_ref().map(|s| s.backbone.clone()))?;
        let Some(loaded) = self.model.loaded.get().filter(|_| self.storage.loaded.get()) else { return Some(Arrival::Waiting) };
        if loaded.backbone.as_deref() != Some(backbone.as_str()) {
            return Some(Arrival::OtherBackbone);
        }
        let (examples, classes, trained) = self.project.with(|p| (p.examples.len(), p.classes.len(), p.head.is_some()));
        Some(if examples > 0 || trained { Arrival::Replaces { examples, classes } } else { Arrival::Ready })
    }

    /// Replaces the project with the arriving head's.
    fn open_shared(self) {
        let Some(shared) = self.incoming.get_untracked() else { return };
        self.incoming.set(None);
        forget_shared_address();
        self.stop_recording();
        leptos::task::spawn_local(self.replace_project(shared.project()));
    }

    /// The user keeps the project here.
    fn decline_shared(self) {
        self.incoming.set(None);
        forget_shared_address();
    }
}

/// What the link holds, in a line: "3 classes: cat, dog, mug".
fn summary(shared: &SharedHead) -> String {
    let shown: Vec<&str> = shared.classes.iter().take(6).map(String::as_str).collect();
    let more = if shared.classes.len() > shown.len() { ", …" } else { "" };
    format!("{} classes: {}{more}", shared.classes.len(), shown.join(", "))
}

/// The arriving head while it waits, or why it cannot open yet.
#[component]
pub fn SharedArrivalCard(teach: Teach) -> impl IntoView {
    let state = Memo::new(move |_| teach.arrival().filter(|a| *a != Arrival::Ready));
    move || {
        let arrival = state.get()?;
        let shared = teach.incoming.get_untracked()?;
        let what = summary(&shared);
        let (kind, text) = match arrival {
            Arrival::Waiting | Arrival::Ready => ("waiting", format!("A classifier shared with you ({what}) opens once its model is loaded…")),
            Arrival::OtherBackbone => (
                "other-backbone",
                format!(
                    "A classifier shared with you ({what}) was trained on other ResNet50 weights (SHA-256 {}…) than the model loaded now. Load those weights with the model picker above (the sender's URL or file) and it opens.",
                    &shared.backbone[..12]
                ),
            ),
            Arrival::Replaces { examples, classes } => (
                "replaces",
                format!(
                    "A classifier shared with you ({what}) would replace your project ({classes} classes, {examples} examples). Export yours first to keep it."
                ),
            ),
        };
        let replaces = kind == "replaces";
        Some(view! {
            <section class="card shared-arrival" role="status" data-testid="shared-arrival" data-state=kind>
                <p>{text}</p>
                <div class="actions">
                    <Show when=move || replaces>
                        <button type="button" data-testid="shared-export-mine" on:click=move |_| teach.export()>"Export my project"</button>
                        <button type="button" class="danger" data-testid="shared-open" on:click=move |_| teach.open_shared()>"Replace it with the shared classifier"</button>
                    </Show>
                    <button type="button" data-testid="shared-decline" on:click=move |_| teach.decline_shared()>
                        {if replaces { "Keep my project" } else { "Ignore the link" }}
                    </button>
                </div>
            </section>
        })
    }
}
