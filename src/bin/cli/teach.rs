//! `train` and `predict`: teach mode from the command line, writing and reading the same
//! project files as the web app.

use std::path::{Path, PathBuf};

use crate::fetch::Weights;
use anyhow::{Context, Result, bail};
use burn::tensor::Device;
use transfer_studio::engine::Classifier;
use transfer_studio::model::quant::backbone_digest;
use transfer_studio::train::head::HeadWeights;
use transfer_studio::train::project::{Example, Project, RunOutcome, TrainedHead, TrainingSet};
use transfer_studio::train::trainer::{FEW_SHOT_BELOW, TrainSettings, Trainer};
use transfer_studio::vision::preprocess::{self, decode};
use transfer_studio::vision::views::thumbnail;

/// `NAME=DIR` from the command line.
pub fn parse_class(arg: &str) -> Result<(String, PathBuf), String> {
    match arg.split_once('=') {
        Some((name, dir)) if !name.trim().is_empty() && !dir.is_empty() => Ok((name.trim().to_string(), PathBuf::from(dir))),
        _ => Err(format!("expected NAME=DIR, got {arg:?}")),
    }
}

pub fn read_project(path: &Path) -> Result<Project> {
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    Project::from_bytes(&bytes).with_context(|| format!("{}", path.display()))
}

/// A project from one folder of images per class, each image's features computed once.
pub fn build_project(weights: &Weights, classes: &[(String, PathBuf)], views: bool, device: &Device) -> Result<Project> {
    let (classifier, bytes) = weights.classifier(device)?;
    let mut project = Project { backbone: Some(backbone_digest(&bytes)), ..Project::default() };
    drop(bytes);

    for (name, dir) in classes {
        let class = project.add_class(name);
        let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
            .with_context(|| format!("reading folder {}", dir.display()))?
            .filter_map(|entry| entry.ok().map(|e| e.path()))
            .filter(|path| path.is_file())
            .collect();
        files.sort();
        for path in files {
            let image = match std::fs::read(&path).map_err(anyhow::Error::from).and_then(|b| Ok(decode(&b)?)) {
                Ok(image) => image,
                Err(err) => {
                    eprintln!("skipped {}: {err:#}", path.display());
                    continue;
                }
            };
            let id = project.next_example_id();
            let features = pollster::block_on(classifier.example_features(&image, views, id))?;
            project.examples.push(Example { id, class, thumbnail: thumbnail(&image), features });
        }
        eprintln!("{name}: {} examples", project.count(class));
    }
    Ok(project)
}

/// Trains the project's head with `settings`, prints the curves, writes the project file.
pub fn train(mut project: Project, settings: TrainSettings, device: &Device, out: &Path) -> Result<()> {
    project.settings = settings.clone();
    let TrainingSet { examples, names, trained_on } = project.training_set();
    let mut trainer = Trainer::new(&examples, &names, settings, device)?;
    let mut history = Vec::new();
    while !trainer.is_done() {
        let m = pollster::block_on(trainer.epoch())?;
        let validation = match (m.validation_loss, m.validation_accuracy) {
            (Some(loss), Some(accuracy)) => format!("  validation loss {loss:.4} accuracy {:.1}%", accuracy * 100.0),
            _ => String::new(),
        };
        eprintln!("epoch {:>3}  loss {:.4} accuracy {:.1}%{validation}", m.epoch, m.train_loss, m.train_accuracy * 100.0);
        history.push(m);
    }
    let weights = pollster::block_on(trainer.calibrated_weights())?;
    let record = trained_on.record(RunOutcome {
        validation: trainer.split().validation.clone(),
        history,
        evaluation: trainer.evaluation().cloned(),
        few_shot: trainer.is_few_shot(),
    });
    drop(trainer);
    drop(examples);
    if record.few_shot {
        println!("few examples in a class (under {FEW_SHOT_BELOW}): the head is blended with class means");
    }
    if let Some(evaluation) = &record.evaluation {
        println!("validation confusion (rows: true class, columns: predicted):");
        for (name, row) in names.iter().zip(&evaluation.confusion) {
            println!("  {name:>16}  {row:?}");
        }
    }
    project.head = Some(TrainedHead { weights, record });
    std::fs::write(out, project.to_bytes()).with_context(|| format!("writing {}", out.display()))
}

/// Prints every class probability of a project's head for each image.
pub fn predict(project_path: &Path, weights: &Weights, json: bool, device: &Device, images: &[PathBuf]) -> Result<()> {
    let project_bytes = std::fs::read(project_path).with_context(|| format!("reading {}", project_path.display()))?;
    let project = Project::from_bytes(&project_bytes).with_context(|| format!("{}", project_path.display()))?;
    let Some(head) = project.current_head() else {
        bail!("{} has no trained classifier for its current classes: train it first", project_path.display());
    };
    let (classifier, bytes) = weights.classifier(device)?;
    if project.backbone.as_deref().is_some_and(|digest| digest != backbone_digest(&bytes)) {
        bail!("{} was trained on features of other backbone weights than {}", project_path.display(), weights.path.display());
    }
    let names = project.class_names(&head.record.class_ids);
    print_predictions(&classifier, &head.weights, &names, json, images)
}

/// Each image's probabilities (and logits, in JSON) under `head` on `classifier`'s features.
pub fn print_predictions(classifier: &Classifier, head: &HeadWeights, names: &[String], json: bool, images: &[PathBuf]) -> Result<()> {
    for path in images {
        let image = decode(&std::fs::read(path).with_context(|| format!("reading {}", path.display()))?).with_context(|| format!("{}", path.display()))?;
        let input = preprocess::preprocess(&image, classifier.preprocessing());
        let features = pollster::block_on(classifier.pooled_features(vec![input]))?;
        let probs = head.probabilities(&features);
        if json {
            let logits = head.logits(&features);
            let classes: Vec<_> =
                names.iter().zip(&probs).zip(&logits).map(|((name, p), logit)| serde_json::json!({ "class": name, "prob": p, "logit": logit })).collect();
            println!("{}", serde_json::json!({ "image": path.display().to_string(), "classes": classes }));
        } else {
            println!("{}", path.display());
            for (name, p) in names.iter().zip(&probs) {
                println!("  {:>6.2}%  {name}", p * 100.0);
            }
        }
    }
    Ok(())
}
