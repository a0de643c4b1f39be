//! The page (runs on the main thread): Leptos components over the model worker's handle.
//! Shared pieces — class bars, the activation-map view, number formats, the webcam — sit
//! beside the sections that use them; teach mode has its own folder.

mod activation_map;
mod app;
mod batch;
mod class_bars;
mod first_visit;
mod format;
mod image_input;
mod live;
mod memory;
mod models_panel;
mod photo_result;
mod sources;
mod status;
mod studio;
mod teach;
mod webcam;

pub use app::App;
