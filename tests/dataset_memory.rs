//! Memory of a dataset import at 10,000 images, by the app's own import loop
//! (`dataset::import`): the zip read entry by entry, each image decoded and thumbnailed
//! as the worker does, examples added to the project in the app's batches. The backbone
//! pass is stood in for by features of real size: its memory is per image and freed after
//! each (the worker's figures cover it); what grows with the dataset is measured here, with
//! an allocator that records the peak.

use std::alloc::{GlobalAlloc, Layout as AllocLayout, System};
use std::cell::{Cell, RefCell};
use std::io::{Cursor, Write};
use std::sync::atomic::{AtomicUsize, Ordering};

use image::{ImageFormat, RgbImage};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use transfer_studio::dataset::archive::DatasetArchive;
use transfer_studio::dataset::import::{ExampleError, ImportEnd, ImportHost, ImportProgress, import, starting};
use transfer_studio::dataset::layout::Layout;
use transfer_studio::model::arch::FEATURE_DIM;
use transfer_studio::train::project::{Example, IdsUsedUp, Project};
use transfer_studio::vision::preprocess::decode;
use transfer_studio::vision::views::thumbnail;

struct Measured;
static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Measured {
    unsafe fn alloc(&self, layout: AllocLayout) -> *mut u8 {
        let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
        PEAK.fetch_max(now, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: AllocLayout) {
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static ALLOCATOR: Measured = Measured;

const IMAGES: usize = 10_000;
/// The budget: what the examples themselves hold, plus 25 %, plus 16 MiB for everything else.
fn budget(held: usize) -> usize {
    held + held / 4 + (16 << 20)
}

fn dataset_zip() -> Vec<u8> {
    let mut rng = StdRng::seed_from_u64(7);
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let stored = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for i in 0..IMAGES {
        let image = RgbImage::from_fn(32, 32, |_, _| image::Rgb([rng.random(), rng.random(), rng.random()]));
        let mut png = Cursor::new(Vec::new());
        image.write_to(&mut png, ImageFormat::Png).unwrap();
        zip.start_file(format!("set/class_{}/{i:05}.png", i % 10), stored).unwrap();
        zip.write_all(png.get_ref()).unwrap();
    }
    zip.finish().unwrap().into_inner()
}

/// The native side of an import: the archive read as the worker reads it, the project the page keeps.
struct NativeImport {
    archive: RefCell<DatasetArchive<Cursor<Vec<u8>>>>,
    project: RefCell<Project>,
    next_id: Cell<u64>,
    batches: Cell<usize>,
}

impl ImportHost for NativeImport {
    fn new_example_id(&self) -> Result<u64, IdsUsedUp> {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        Ok(id)
    }

    async fn example(&self, index: usize, _id: u64) -> Result<(Vec<f32>, Vec<u8>), ExampleError> {
        let bytes = self.archive.borrow_mut().read(index).map_err(ExampleError::Image)?;
        let image = decode(&bytes).map_err(|e| ExampleError::Image(e.to_string()))?;
        Ok((vec![0.5; FEATURE_DIM], thumbnail(&image)))
    }

    async fn add(&self, examples: Vec<Example>) -> usize {
        self.batches.set(self.batches.get() + 1);
        self.project.borrow_mut().add_examples(examples, Some("seeded"))
    }

    fn show(&self, _: &ImportProgress) {}

    fn cancelled(&self) -> bool {
        false
    }
}

#[test]
fn importing_10000_images_stays_within_the_examples_own_size_plus_a_quarter_and_16_mib() {
    let bytes = dataset_zip();
    let archive_bytes = bytes.len();
    let baseline = CURRENT.load(Ordering::Relaxed);
    PEAK.store(baseline, Ordering::Relaxed);

    let archive = DatasetArchive::open(Cursor::new(bytes)).unwrap();
    let paths = archive.paths();
    let layout = Layout::of(paths.iter().map(String::as_str));
    assert_eq!(layout.images(), IMAGES);
    let mut project = Project::default();
    let class_ids = project.classes_named(layout.classes.iter().map(|(name, _)| name.as_str()));
    let host = NativeImport { archive: RefCell::new(archive), project: RefCell::new(project), next_id: Cell::new(0), batches: Cell::new(0) };
    let progress = pollster::block_on(import(&host, &layout, &paths, &class_ids, 2, starting("set.zip".into(), &layout, class_ids.len())));
    let project = host.project.into_inner();

    let held: usize = project.examples.iter().map(|e| e.features.len() * 4 + e.thumbnail.len()).sum();
    let peak = PEAK.load(Ordering::Relaxed) - baseline;
    eprintln!(
        "10,000 images ({:.1} MiB zip) in {} batches: examples hold {:.1} MiB, import peak {:.1} MiB over the zip, budget {:.1} MiB",
        archive_bytes as f64 / 1048576.0,
        host.batches.get(),
        held as f64 / 1048576.0,
        peak as f64 / 1048576.0,
        budget(held) as f64 / 1048576.0
    );
    assert_eq!(progress.ended, Some(ImportEnd::Finished), "{progress:?}");
    assert_eq!((progress.done, progress.added, progress.failed.len()), (IMAGES, IMAGES, 0));
    assert_eq!(project.examples.len(), IMAGES);
    assert_eq!(project.classes.len(), 10);
    assert!(project.examples.iter().all(|e| !e.thumbnail.is_empty() && project.class(e.class).is_some()));
    assert!(peak <= budget(held), "peak {peak} B over a budget of {} B", budget(held));
}
