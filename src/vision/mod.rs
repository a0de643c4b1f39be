//! Images in, model input out.

pub mod preprocess;
pub mod views;
