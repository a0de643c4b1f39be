//! A dataset's images made into a project's examples, in the layout's order: each image's
//! example is computed by the host (in the app, by model workers, several in flight), and
//! the examples are added in batches, so that progress shows and memory holds one batch
//! beyond the examples themselves. Images that cannot be read are counted and skipped;
//! anything else stops the import, keeping what was added. The app and the memory test
//! (tests/dataset_memory.rs) run this same loop.

use std::future::Future;

use futures_util::StreamExt;
use web_time::Instant;

use super::layout::{Layout, SkipReason};
use crate::train::project::{Example, IdsUsedUp};

/// Examples added together, at most.
pub const BATCH: usize = 32;
/// Or after this long, so that progress shows.
pub const BATCH_SECONDS: f64 = 1.0;

/// How an import stands (or ended).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ImportProgress {
    /// The folder's or archive's name.
    pub source: String,
    /// Images to read.
    pub total: usize,
    /// Images read so far (added or failed).
    pub done: usize,
    /// Examples added.
    pub added: usize,
    /// Classes the images went to.
    pub classes: usize,
    /// Files skipped by their path, counted by reason.
    pub skipped: Vec<(SkipReason, usize)>,
    /// Images that could not be read: "path: why".
    pub failed: Vec<String>,
    /// Seconds since the first image was sent.
    pub seconds: f64,
    /// Finished, cancelled or stopped by an error.
    pub ended: Option<ImportEnd>,
}

/// How an import ended.
#[derive(Debug, Clone, PartialEq)]
pub enum ImportEnd {
    /// Every image was read.
    Finished,
    /// The user cancelled.
    Cancelled,
    /// Computing failed part way (the examples added are kept).
    Stopped(String),
}

impl ImportProgress {
    /// Images read per second.
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 { self.done as f64 / self.seconds } else { 0.0 }
    }
}

/// Why one image gave no example.
#[derive(Debug, Clone, PartialEq)]
pub enum ExampleError {
    /// The image itself cannot be read: it is skipped.
    Image(String),
    /// Anything else (the device, the ids): the import stops.
    Stopped(String),
}

/// What an import needs from where it runs.
pub trait ImportHost {
    /// A new example id, which also seeds the example's augmentations.
    fn new_example_id(&self) -> Result<u64, IdsUsedUp>;
    /// The features and thumbnail of the image at `index` of the layout's paths.
    fn example(&self, index: usize, id: u64) -> impl Future<Output = Result<(Vec<f32>, Vec<u8>), ExampleError>>;
    /// Adds examples to the project (and wherever it is kept); how many were added.
    fn add(&self, examples: Vec<Example>) -> impl Future<Output = usize>;
    /// Shows how the import stands.
    fn show(&self, progress: &ImportProgress);
    /// Whether the user asked to stop.
    fn cancelled(&self) -> bool;
}

/// The progress an import of `layout` from `source` starts with, its images going to
/// `classes` distinct classes.
pub fn starting(source: String, layout: &Layout, classes: usize) -> ImportProgress {
    ImportProgress { source, total: layout.images(), classes, skipped: layout.skipped_by_reason(), ..Default::default() }
}

/// Imports every image of `layout`, the `i`th class's into `class_ids[i]`, with up to
/// `in_flight` examples computed at once; the progress it ended with.
pub async fn import(
    host: &impl ImportHost,
    layout: &Layout,
    paths: &[String],
    class_ids: &[u32],
    in_flight: usize,
    mut progress: ImportProgress,
) -> ImportProgress {
    host.show(&progress);
    let started = Instant::now();
    let (mut batch, mut flushed) = (Vec::new(), Instant::now());
    let mut end = ImportEnd::Finished;
    let jobs = layout.classes.iter().zip(class_ids).flat_map(|((_, indices), &class)| indices.iter().map(move |&index| (class, index)));
    // In order, so the ids (and the augmentations' seeds) follow the layout however many are in flight.
    let mut computed = futures_util::stream::iter(jobs)
        .map(|(class, index)| {
            let id = host.new_example_id();
            async move {
                let parts = match id {
                    Ok(id) => host.example(index, id).await.map(|parts| (id, parts)),
                    Err(why) => Err(ExampleError::Stopped(why.to_string())),
                };
                (class, index, parts)
            }
        })
        .buffered(in_flight.max(1));
    while let Some((class, index, parts)) = computed.next().await {
        match parts {
            Ok((id, (features, thumbnail))) => batch.push(Example { id, class, thumbnail, features }),
            Err(ExampleError::Image(why)) => progress.failed.push(format!("{}: {why}", paths[index])),
            Err(ExampleError::Stopped(why)) => {
                end = ImportEnd::Stopped(why);
                break;
            }
        }
        progress.done += 1;
        progress.seconds = started.elapsed().as_secs_f64();
        if batch.len() >= BATCH || flushed.elapsed().as_secs_f64() > BATCH_SECONDS {
            progress.added += host.add(std::mem::take(&mut batch)).await;
            flushed = Instant::now();
        }
        host.show(&progress);
        // What is computed is kept; the calls still in flight are dropped.
        if host.cancelled() {
            end = ImportEnd::Cancelled;
            break;
        }
    }
    drop(computed);
    progress.added += host.add(batch).await;
    progress.seconds = started.elapsed().as_secs_f64();
    progress.ended = Some(end);
    host.show(&progress);
    progress
}
