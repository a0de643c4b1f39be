//! Browser I/O, on the page and (where marked) in the model worker: the global scope,
//! downloads and their digests, the user's files and drops, IndexedDB, the camera, remembered settings,
//! storage use and persistence, other tabs of the site.
//! Nothing here knows about models or the UI.

#[cfg(feature = "web")]
pub mod camera;
pub mod digest;
pub mod download;
#[cfg(feature = "web")]
pub mod drops;
pub mod files;
#[cfg(feature = "web")]
pub mod idb;
#[cfg(feature = "web")]
pub mod remembered;
pub mod scope;
#[cfg(feature = "web")]
pub mod storage;
#[cfg(feature = "web")]
pub mod tabs;
