//! Datasets on disk as people keep them: one folder per class (`cats/…`, `dogs/…`), as a
//! folder or a `.zip`. `layout` turns the files' paths into classes and counts what it
//! skips; `archive` reads a zip's entries with limits; `import` makes the images into a
//! project's examples; `export` writes a project's examples back out the same way.

pub mod archive;
pub mod export;
pub mod import;
pub mod layout;
