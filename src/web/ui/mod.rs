//! The page (runs on the main thread): Leptos components over the model worker's handle.
//! The header (modes, model picker, device details, the model's state) sits beside the
//! pieces several sections share — class bars, the activation-map view, number formats,
//! the webcam; each mode has its own folder, `classify/` and `teach/`.

mod activation_map;
mod app;
mod class_bars;
mod classify;
mod device_choice;
mod device_details;
mod disclosure;
mod first_visit;
mod format;
mod header;
mod isolation;
mod menus;
mod mode;
mod model_choice;
mod model_handle;
mod models_panel;
mod panic_notice;
mod share_address;
mod status;
mod studio;
mod teach;
mod webcam;

pub use app::App;
pub use panic_notice::show_panics;
