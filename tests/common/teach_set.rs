//! The teach set shared by `tests/teach.rs` and `bench/few_shot.rs`: the noisy four-class
//! images of tests/reference/make_teach_set.py, a project trained on them by the CLI, and
//! heads trained on draws of its examples' features as the app trains them.
#![allow(dead_code)] // each includer uses a different subset

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use burn::tensor::Device;
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use transfer_studio::model::arch::FEATURE_DIM;
use transfer_studio::train::head::HeadWeights;
use transfer_studio::train::project::Project;
use transfer_studio::train::trainer::{LabeledFeatures, TrainSettings, Trainer};

pub const CLASSES: [&str; 4] = ["brick", "gravel", "grass", "coins"];

/// Examples as (class, plain features).
pub type Set<'a> = Vec<(usize, &'a [f32])>;

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn python() -> PathBuf {
    repo().join(".venv/bin/python")
}

pub fn run(program: &Path, args: &[&str]) -> Output {
    let output = Command::new(program).args(args).current_dir(repo()).output().expect("the program starts");
    assert!(output.status.success(), "{} {args:?}: {}", program.display(), String::from_utf8_lossy(&output.stderr));
    output
}

/// Writes `per_class` images of each class under `dir/images` and trains a project on them
/// with the CLI (seeded weights, `validation` held out), written to `dir/project.safetensors`.
pub fn trained_project(cli: &Path, dir: &Path, per_class: usize, validation: &str) -> PathBuf {
    let weights = repo().join("tests/golden/resnet50_seeded.safetensors");
    let data = dir.join("images");
    run(&python(), &["tests/reference/make_teach_set.py", data.to_str().unwrap(), &per_class.to_string()]);
    let project = dir.join("project.safetensors");
    let class_args: Vec<String> = CLASSES.iter().map(|c| format!("{c}={}", data.join(c).display())).collect();
    let mut args = vec!["train", "--weights", weights.to_str().unwrap(), "--validation", validation, "--out", project.to_str().unwrap()];
    for class in &class_args {
        args.extend(["--class", class]);
    }
    run(cli, &args);
    project
}

/// The project's examples by class position, each by its plain view's features.
pub fn plain_examples(project: &Project) -> Set<'_> {
    project.examples.iter().map(|e| (project.classes.iter().position(|c| c.id == e.class).unwrap(), &e.features[..FEATURE_DIM])).collect()
}

pub fn names() -> Vec<String> {
    CLASSES.iter().map(|c| c.to_string()).collect()
}

/// The trained linear head, and the head the app keeps (blended with class means when few-shot).
pub fn trained_heads(train: &[(usize, &[f32])], validation_fraction: f32) -> (HeadWeights, HeadWeights) {
    let examples: Vec<LabeledFeatures> = train.iter().map(|&(class, views)| LabeledFeatures::new(class, views)).collect();
    let settings = TrainSettings { augment: false, validation_fraction, ..TrainSettings::default() };
    let mut trainer = Trainer::new(&examples, &names(), settings, &Device::flex()).unwrap();
    while !trainer.is_done() {
        pollster::block_on(trainer.epoch()).unwrap();
    }
    (pollster::block_on(trainer.weights()).unwrap(), pollster::block_on(trainer.calibrated_weights()).unwrap())
}

/// `shots` examples of each class drawn at random; the rest.
pub fn draw<'a>(examples: &[(usize, &'a [f32])], shots: usize, seed: u64) -> (Set<'a>, Set<'a>) {
    let mut order: Vec<usize> = (0..examples.len()).collect();
    order.shuffle(&mut StdRng::seed_from_u64(seed));
    let (mut train, mut rest, mut taken) = (Vec::new(), Vec::new(), [0usize; CLASSES.len()]);
    for i in order {
        let (class, _) = examples[i];
        if taken[class] < shots {
            taken[class] += 1;
            train.push(examples[i]);
        } else {
            rest.push(examples[i]);
        }
    }
    (train, rest)
}
