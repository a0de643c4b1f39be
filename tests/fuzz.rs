//! Property and mutation tests of every parser of outside bytes: images, fp32 and int8
//! weights, project files, share links, exported classifiers, the model manifest, timm's
//! config and PyTorch checkpoints. Each gets structure-aware inputs and byte mutations of
//! valid files (header bytes, numbers in the JSON header, truncations, insertions) and must
//! answer `Ok` or `Err` — never panic — within a memory budget, checked by a counting
//! allocator. Round trips: `from_bytes(to_bytes(x)) == x` for projects and int8 files,
//! `from_payload(to_payload(x)) == x` for share links.
//!
//! Short by default; `FUZZ_CASES=n` sets the cases per parser, `FUZZ_SECONDS=s` repeats each
//! parser's run until that long has passed. Cases run are printed (`--nocapture`).

#[allow(dead_code)] // the fuzz tests use only the golden weights
mod common;
mod fuzzing;

use std::sync::OnceLock;

use fuzzing::{Mutation, budget, campaign, mutated, safetensors_header_end};
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use transfer_studio::export::reader::ExportedClassifier;
use transfer_studio::export::share::{Bits, SharedHead};
use transfer_studio::model::arch::{FEATURE_DIM, ResNet50Spec};
use transfer_studio::model::digest::sha256_hex;
use transfer_studio::model::fold::FoldedResNet50;
use transfer_studio::model::manifest::Manifest;
use transfer_studio::model::quant::Int8ResNet50;
use transfer_studio::model::timm::{TimmId, read_config};
use transfer_studio::model::weights::TorchvisionWeights;
use transfer_studio::train::head::HeadWeights;
use transfer_studio::train::project::{ClassInfo, Example, Project, TrainedHead, TrainingRecord};
use transfer_studio::train::trainer::{EpochMetrics, Evaluation, TrainSettings};
use transfer_studio::vision::preprocess::{Interpolation, Preprocessing, decode, preprocess, resize_and_crop};

/// Images decode within this (the decoder's own limit is 512 MiB, plus the RGB copy).
const IMAGE_BUDGET: usize = 700 << 20;

fn fp32() -> &'static [u8] {
    static WEIGHTS: OnceLock<Vec<u8>> = OnceLock::new();
    WEIGHTS.get_or_init(|| common::golden().expect("golden data (tests/reference/make_golden.py)").weights)
}

fn int8() -> &'static [u8] {
    static INT8: OnceLock<Vec<u8>> = OnceLock::new();
    INT8.get_or_init(|| {
        let spec = ResNet50Spec::new();
        let folded = FoldedResNet50::from_torchvision(fp32(), &spec).unwrap();
        Int8ResNet50::quantize(&folded, Preprocessing::default(), sha256_hex(fp32())).to_bytes(&spec)
    })
}

fn fixture(path: &str) -> Vec<u8> {
    std::fs::read(common::repo().join(path)).unwrap()
}

fn project() -> impl Strategy<Value = Project> {
    let classes = prop::collection::vec(("[a-z é🙂]{1,12}", 0u32..u32::MAX - 1), 0..4);
    (classes, prop::collection::vec((0u64..(1 << 52), 1usize..3, prop::collection::vec(any::<u8>(), 0..40)), 0..6), any::<bool>(), 0u64..1000).prop_map(
        |(classes, examples, trained, seed)| {
            let mut project = Project { backbone: Some(sha256_hex(&seed.to_le_bytes())), ..Project::default() };
            for (name, id) in classes {
                if project.class(id).is_none() {
                    project.classes.push(ClassInfo { id, name });
                }
            }
            for (i, (id, views, thumbnail)) in examples.into_iter().enumerate() {
                if project.classes.is_empty() || project.examples.iter().any(|e| e.id == id) {
                    continue;
                }
                let class = project.classes[i % project.classes.len()].id;
                let features = (0..views * FEATURE_DIM).map(|v| ((v as u64 + seed) as f32).sin()).collect();
                project.examples.push(Example { id, class, thumbnail, features });
            }
            if trained && !project.classes.is_empty() {
                let k = project.classes.len();
                let mut weights = HeadWeights::zeros(k);
                weights.weight.iter_mut().enumerate().for_each(|(i, w)| *w = (i as f32 * 0.01).cos());
                let record = TrainingRecord {
                    class_ids: project.classes.iter().map(|c| c.id).collect(),
                    settings: TrainSettings { seed, ..TrainSettings::default() },
                    validation_ids: project.examples.iter().map(|e| e.id).take(2).collect(),
                    history: vec![EpochMetrics { epoch: 1, train_loss: 0.25, train_accuracy: 0.5, validation_loss: None, validation_accuracy: Some(1.0) }],
                    evaluation: Some(Evaluation { confusion: vec![vec![seed as u32; k]; k], calibration: None }),
                    few_shot: seed % 2 == 0,
                    from_link: seed % 3 == 0,
                    not_sure_below: (seed % 5 == 0).then_some(0.5),
                };
                project.head = Some(TrainedHead { weights, record });
            }
            project
        },
    )
}

#[test]
fn projects_round_trip_and_mutated_files_are_refused_or_read() {
    campaign("project round trip", project(), |project| {
        let back = Project::from_bytes(&project.to_bytes()).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(back, project);
        Ok(())
    });
    let valid = project().prop_filter("has examples", |p| p.examples.len() > 1);
    campaign("project mutations", (valid, prop::collection::vec(any::<Mutation>(), 1..6)), |(project, mutations)| {
        let bytes = project.to_bytes();
        let bytes = mutated(&bytes, safetensors_header_end(&bytes), &mutations);
        let read = budget(4 * bytes.len() + (64 << 20), || Project::from_bytes(&bytes));
        if let Ok(read) = read {
            prop_assert_eq!(Project::from_bytes(&read.to_bytes()).ok(), Some(read), "what is read writes back the same");
        }
        Ok(())
    });
}

#[test]
fn int8_files_round_trip_and_mutated_ones_are_refused_or_read() {
    let spec = ResNet50Spec::new();
    let model = Int8ResNet50::from_bytes(int8(), &spec).unwrap();
    assert_eq!(Int8ResNet50::from_bytes(&model.to_bytes(&spec), &spec).unwrap(), model, "round trip");
    let end = safetensors_header_end(int8());
    campaign("int8 mutations", prop::collection::vec(any::<Mutation>(), 1..6), |mutations| {
        let bytes = mutated(int8(), end, &mutations);
        let _ = budget(3 * bytes.len() + (64 << 20), || Int8ResNet50::from_bytes(&bytes, &spec));
        Ok(())
    });
}

#[test]
fn mutated_fp32_weights_are_refused_or_read() {
    let spec = ResNet50Spec::new();
    let end = safetensors_header_end(fp32());
    campaign("fp32 mutations", (prop::collection::vec(any::<Mutation>(), 1..6), any::<prop::sample::Index>()), |(mutations, pick)| {
        let bytes = mutated(fp32(), end, &mutations);
        budget(2 * bytes.len() + (64 << 20), || {
            if let Ok(weights) = TorchvisionWeights::parse(&bytes, &spec) {
                let keys = spec.expected_tensors();
                let _ = weights.f32(&keys[pick.index(keys.len())].0);
            }
        });
        Ok(())
    });
}

#[test]
fn headers_whose_data_offsets_add_past_usize_are_refused_by_every_reader() {
    // Each tensor's size is valid alone; the last offset plus the header's length is past usize::MAX.
    let size = usize::MAX / 8;
    let tensors: Vec<String> =
        (0..8).map(|k| format!(r#""t{k}":{{"dtype":"U8","shape":[{size}],"data_offsets":[{},{}]}}"#, k * size, (k + 1) * size)).collect();
    let header = format!(r#"{{"__metadata__":{{"format":"transfer-studio-project","version":"1"}},{}}}"#, tensors.join(","));
    let bytes = [&(header.len() as u64).to_le_bytes()[..], header.as_bytes(), &[0; 16]].concat();
    let spec = ResNet50Spec::new();
    let refusals = [
        TorchvisionWeights::parse(&bytes, &spec).err().map(|e| e.to_string()),
        Int8ResNet50::from_bytes(&bytes, &spec).err().map(|e| e.to_string()),
        Project::from_bytes(&bytes).err().map(|e| e.to_string()),
        ExportedClassifier::from_torch(&bytes, Some(vec!["a".into()])).err().map(|e| e.to_string()),
    ];
    for refusal in refusals {
        assert!(refusal.as_deref().is_some_and(|why| why.contains("claims data up to byte")), "{refusal:?}");
    }
}

#[test]
fn mutated_and_made_up_images_decode_or_are_refused_within_budget() {
    let seeds: Vec<Vec<u8>> = ["one_pixel.png", "palette.gif", "lossless.webp", "plain.bmp", "grey.png", "exif_rotated.jpg"]
        .iter()
        .map(|name| fixture(&format!("tests/fixtures/synthetic/{name}")))
        .collect();
    campaign("image mutations", (any::<prop::sample::Index>(), prop::collection::vec(any::<Mutation>(), 1..6)), |(pick, mutations)| {
        let seed = &seeds[pick.index(seeds.len())];
        let bytes = mutated(seed, seed.len().min(64), &mutations);
        let _ = budget(IMAGE_BUDGET, || decode(&bytes).map(|image| preprocess(&image, &Preprocessing::default())));
        Ok(())
    });
    campaign("image headers", fuzzing::image_header(), |bytes| {
        let _ = budget(IMAGE_BUDGET, || decode(&bytes).map(|image| preprocess(&image, &Preprocessing::default())));
        Ok(())
    });
}

#[test]
fn every_accepted_preprocessing_runs_on_every_image_size() {
    let interpolation = prop_oneof![Just(Interpolation::Bilinear), Just(Interpolation::Bicubic)];
    let settings = (16u32..1100, 16u32..1500, interpolation, 1u32..700, 1u32..700);
    campaign("preprocessing", settings, |(crop, resize, interpolation, width, height)| {
        let p = Preprocessing { crop, resize, interpolation, ..Preprocessing::default() };
        if p.problem().is_none() {
            let image = image::RgbImage::from_fn(width, height, |x, y| image::Rgb([x as u8, y as u8, 7]));
            let out = resize_and_crop(&image, &p);
            prop_assert_eq!(out.dimensions(), (crop, crop));
        }
        Ok(())
    });
}

#[test]
fn manifests_and_timm_configs_are_refused_or_read() {
    let manifest = fixture("public/models/manifest.json");
    campaign("manifest mutations", prop::collection::vec(any::<Mutation>(), 1..6), |mutations| {
        let bytes = mutated(&manifest, manifest.len(), &mutations);
        let _ = budget(64 << 20, || Manifest::parse(&bytes));
        Ok(())
    });
    let config = serde_json::to_vec(&fuzzing::timm_config()).unwrap();
    campaign("timm config mutations", prop::collection::vec(any::<Mutation>(), 1..6), |mutations| {
        let bytes = mutated(&config, config.len(), &mutations);
        let _ = budget(64 << 20, || read_config(&bytes));
        Ok(())
    });
    campaign("timm ids", "\\PC{0,80}", |text| {
        let _ = TimmId::parse(&text);
        Ok(())
    });
}

/// `.pth` is read by the CLI only (the `cli` feature).
#[cfg(feature = "cli")]
#[test]
fn mutated_pytorch_checkpoints_are_refused_or_converted() {
    use transfer_studio::model::pth::pth_to_safetensors;
    let seeds = [("small.pth", None), ("small_nested.pth", Some("state_dict"))].map(|(name, key)| (fixture(&format!("tests/golden/{name}")), key));
    let file = std::env::temp_dir().join(format!("ts-fuzz-{}.pth", std::process::id()));
    let convert = |bytes: &[u8], key: Option<&str>| {
        std::fs::write(&file, bytes).unwrap();
        budget(4 * bytes.len() + (64 << 20), || pth_to_safetensors(&file, key))
    };
    for (bytes, key) in &seeds {
        assert!(convert(bytes, *key).is_ok(), "the seeds convert");
    }
    let pick = any::<prop::sample::Index>();
    campaign("pth byte mutations", (pick.clone(), prop::collection::vec(any::<Mutation>(), 1..6)), |(pick, mutations)| {
        let (seed, key) = &seeds[pick.index(seeds.len())];
        let _ = convert(&mutated(seed, seed.len(), &mutations), *key);
        Ok(())
    });
    // Within the archive, so its checksums hold and the pickle reader meets the change.
    campaign("pth pickle mutations", (pick, prop::collection::vec(any::<Mutation>(), 1..6), any::<Option<prop::sample::Index>>()), |(pick, mutations, cut)| {
        let (seed, key) = &seeds[pick.index(seeds.len())];
        let _ = convert(&fuzzing::rezipped(seed, "data.pkl", &mutations, cut), *key);
        Ok(())
    });
    let _ = std::fs::remove_file(&file);
}

/// A dataset zip as a user's archiver writes one: folders, deflated and stored entries.
fn dataset_zip() -> Vec<u8> {
    use std::io::Write;
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let png = fixture("tests/fixtures/photos/brick_0_256.png");
    for (name, method) in [
        ("set/cats/a.png", zip::CompressionMethod::Deflated),
        ("set/dogs/b.png", zip::CompressionMethod::Stored),
        ("set/notes.txt", zip::CompressionMethod::Deflated),
    ] {
        zip.start_file(name, zip::write::SimpleFileOptions::default().compression_method(method)).unwrap();
        zip.write_all(if name.ends_with(".png") { &png } else { b"notes" }).unwrap();
    }
    zip.add_directory("set/empty/", zip::write::SimpleFileOptions::default()).unwrap();
    zip.finish().unwrap().into_inner()
}

#[test]
fn mutated_dataset_zips_and_made_up_paths_are_refused_or_read() {
    use transfer_studio::dataset::archive::{DatasetArchive, MAX_ENTRY_BYTES};
    use transfer_studio::dataset::layout::Layout;
    let seed = dataset_zip();
    let read_all = |bytes: Vec<u8>| -> usize {
        let Ok(mut archive) = DatasetArchive::open(std::io::Cursor::new(bytes)) else { return 0 };
        let paths = archive.paths();
        let layout = Layout::of(paths.iter().map(String::as_str));
        layout.classes.iter().flat_map(|(_, files)| files.clone()).filter_map(|i| archive.read(i).ok()).count()
    };
    assert_eq!(read_all(seed.clone()), 2, "the seed's two images");
    campaign("dataset zip mutations", prop::collection::vec(any::<Mutation>(), 1..6), |mutations| {
        let bytes = mutated(&seed, seed.len(), &mutations);
        budget(seed.len() * 4 + 2 * MAX_ENTRY_BYTES as usize + (64 << 20), || read_all(bytes));
        Ok(())
    });
    campaign("dataset entries rezipped", (prop::collection::vec(any::<Mutation>(), 1..6), any::<Option<prop::sample::Index>>()), |(mutations, cut)| {
        let bytes = fuzzing::rezipped(&seed, ".png", &mutations, cut);
        budget(seed.len() * 4 + 2 * MAX_ENTRY_BYTES as usize + (64 << 20), || read_all(bytes));
        Ok(())
    });
    campaign("dataset paths", prop::collection::vec("[a-z./\\\\ _.]{0,24}|\\PC{0,40}", 0..12), |paths| {
        let layout = Layout::of(paths.iter().map(String::as_str));
        prop_assert!(layout.images() + layout.skipped.len() <= paths.len());
        Ok(())
    });
}

#[test]
fn the_map_takes_any_rows_and_labels() {
    use transfer_studio::train::map::map_examples;
    let rows = prop::collection::vec(prop::collection::vec(-1e6f32..1e6, 0..40), 0..24);
    campaign("map inputs", (rows, prop::collection::vec(any::<usize>(), 0..30)), |(rows, labels)| {
        let refs: Vec<&[f32]> = rows.iter().map(Vec::as_slice).collect();
        let map = budget(64 << 20, || map_examples(&refs, &labels));
        prop_assert_eq!(map.points.len(), rows.len());
        Ok(())
    });
}

fn shared_head() -> impl Strategy<Value = SharedHead> {
    let classes = prop::collection::vec("[a-z🙂][a-z é🙂]{0,11}", 2..6);
    let bits = prop::sample::select(vec![Bits::Sixteen, Bits::Eight, Bits::Four]);
    (classes, bits, 0u64..1000, 0.0f32..=1.0).prop_map(|(classes, bits, seed, threshold)| {
        let k = classes.len();
        let weight = (0..k * FEATURE_DIM).map(|i| ((i as u64 * 2_654_435_761 + seed) % 2001) as f32 / 1000.0 - 1.0).collect();
        let head = HeadWeights { weight, bias: (0..k).map(|i| i as f32 - seed as f32 / 100.0).collect() };
        SharedHead::new(&head, classes, sha256_hex(&seed.to_le_bytes()), threshold, bits)
    })
}

/// A payload as the page writes one, around `raw` (what postcard wrote, perhaps mutated).
fn payload_of(raw: &[u8]) -> String {
    use std::io::Write;
    let mut deflate = flate2::write::DeflateEncoder::new(vec![1u8], flate2::Compression::fast());
    deflate.write_all(raw).unwrap();
    base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, deflate.finish().unwrap())
}

#[test]
fn share_links_round_trip_and_mutated_ones_are_refused_or_read() {
    campaign("share link round trip", shared_head(), |shared| {
        prop_assert_eq!(SharedHead::from_payload(&shared.to_payload()), Ok(shared));
        Ok(())
    });
    let read_back = |payload: &str| -> Result<(), TestCaseError> {
        let read = budget(8 * payload.len() + (4 << 20), || SharedHead::from_payload(payload));
        if let Ok(read) = read {
            prop_assert_eq!(SharedHead::from_payload(&read.to_payload()), Ok(read.clone()), "what is read writes back the same");
            prop_assert_eq!(read.head().weight.len(), read.classes.len() * FEATURE_DIM);
        }
        Ok(())
    };
    campaign("share link text mutations", (shared_head(), prop::collection::vec(any::<Mutation>(), 1..4)), |(shared, mutations)| {
        let text = mutated(shared.to_payload().as_bytes(), 0, &mutations);
        read_back(&String::from_utf8_lossy(&text))
    });
    campaign("share link content mutations", (shared_head(), prop::collection::vec(any::<Mutation>(), 1..6)), |(shared, mutations)| {
        let raw = postcard::to_allocvec(&shared).unwrap();
        // The header: the digest, the names and the threshold come before the weights.
        let header = 70 + shared.classes.iter().map(|c| c.len() + 1).sum::<usize>();
        read_back(&payload_of(&mutated(&raw, header, &mutations)))
    });
}

#[test]
fn made_up_exported_files_are_refused() {
    campaign("exported files", prop::collection::vec(any::<u8>(), 0..4096), |bytes| {
        let onnx = budget(64 << 20, || ExportedClassifier::from_onnx(&bytes));
        let torch = budget(64 << 20, || ExportedClassifier::from_torch(&bytes, None));
        prop_assert!(onnx.is_err() && torch.is_err(), "a few random bytes are no classifier");
        Ok(())
    });
}
