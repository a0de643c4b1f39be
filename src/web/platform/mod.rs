//! Browser I/O, on the page and (where marked) in the model worker: the global scope,
//! downloads, the user's files and drops, IndexedDB, the camera, remembered settings,
//! storage use and persistence, other tabs of the site.
//! Nothing here knows about models or the UI.

pub mod camera;
pub mod download;
pub mod drops;
pub mod files;
pub mod idb;
pub mod remembered;
pub mod scope;
pub mod storage;
pub mod tabs;
