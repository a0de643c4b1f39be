//! Teach mode's learner: a linear head trained on pooled ResNet50 features of the user's
//! examples, with a stratified validation split and per-epoch metrics.

pub mod calibration;
pub mod class_means;
pub mod head;
mod json_float;
pub mod labeled;
pub mod map;
pub mod project;
pub mod split;
mod standardizer;
pub mod trainer;
pub mod uncertainty;
