//! Few-shot heads, measured: on the teach set's features (tests/common/teach_set.rs), class
//! means against the linear head and the head the app keeps, by mean test accuracy and
//! NLL over 30 random draws of 1, 2, 5 and 10 examples a class — the evidence for
//! `train::trainer::FEW_SHOT_BELOW`. Fails if the blend stops tying the linear head where
//! the app uses it. `cargo bench --bench few_shot` (about 2 minutes on 2 cores).

#[path = "../tests/common/teach_set.rs"]
mod teach_set;

use std::path::Path;

use teach_set::{CLASSES, draw, names, plain_examples, trained_heads};
use transfer_studio::train::class_means::class_means;
use transfer_studio::train::head::HeadWeights;
use transfer_studio::train::project::Project;
use transfer_studio::train::trainer::{FEW_SHOT_BELOW, LabeledFeatures};

const SHOTS: [usize; 4] = [1, 2, 5, 10];
const DRAWS: u64 = 30;
/// Two standard errors of a mean of 30 draws here: closer than this is a tie.
const TIE: f64 = 0.02;

fn main() {
    let dir = std::env::temp_dir().join(format!("ts-few-shot-{}", std::process::id()));
    let project = teach_set::trained_project(Path::new(env!("CARGO_BIN_EXE_transfer-studio")), &dir, 75, "0.4");
    let project = Project::from_bytes(&std::fs::read(project).unwrap()).unwrap();
    class_means_against_the_linear_head(&plain_examples(&project));
    std::fs::remove_dir_all(&dir).ok();
}

fn accuracy(head: &HeadWeights, test: &[(usize, &[f32])]) -> f64 {
    let right = test.iter().filter(|(class, x)| {
        let logits = head.logits(x);
        (0..logits.len()).max_by(|&a, &b| logits[a].total_cmp(&logits[b])) == Some(*class)
    });
    right.count() as f64 / test.len() as f64
}

fn nll(head: &HeadWeights, test: &[(usize, &[f32])]) -> f64 {
    test.iter().map(|(class, x)| -f64::from(head.probabilities(x)[*class].max(1e-12)).ln()).sum::<f64>() / test.len() as f64
}

fn class_means_against_the_linear_head(examples: &[(usize, &[f32])]) {
    eprintln!("examples a class | class means | linear head | kept (blend below {FEW_SHOT_BELOW})  (mean test accuracy of {DRAWS} draws; then NLL)");
    for shots in SHOTS {
        let (mut means, mut linear, mut blend) = (0.0, 0.0, 0.0);
        let (mut nm, mut nl, mut nb) = (0.0, 0.0, 0.0);
        for seed in 0..DRAWS {
            let (train, test) = draw(examples, shots, seed);
            let labeled: Vec<LabeledFeatures> = train.iter().map(|&(class, views)| LabeledFeatures::new(class, views)).collect();
            let m = class_means(&labeled, &names()).unwrap();
            let (l, kept) = trained_heads(&train, 0.0);
            means += accuracy(&m, &test) / DRAWS as f64;
            linear += accuracy(&l, &test) / DRAWS as f64;
            blend += accuracy(&kept, &test) / DRAWS as f64;
            nm += nll(&m, &test) / DRAWS as f64;
            nl += nll(&l, &test) / DRAWS as f64;
            nb += nll(&kept, &test) / DRAWS as f64;
        }
        eprintln!("{shots:>16} | {means:>11.3} | {linear:>11.3} | {blend:>5.3}   nll {nm:.3} {nl:.3} {nb:.3}");
        // Measured here (features of the seeded, untrained backbone; accuracy / NLL):
        //   1 a class: means 0.293 / 4.85, linear 0.300 / 8.81, blend 0.298 / 11.4
        //   2 a class: means 0.315 / 3.11, linear 0.337 / 4.44, blend 0.331 / 6.59
        //   5, 10: the linear head ahead (0.399, 0.454 against blends of 0.374, 0.417).
        // The app blends below five (train::trainer::FEW_SHOT_BELOW), where the blend ties.
        if shots == 1 {
            assert!(means >= linear - TIE, "class means tie the linear head with one example a class: {means:.3} vs {linear:.3}");
        }
        if shots < FEW_SHOT_BELOW {
            assert!(blend >= linear - TIE, "the blend the app uses ties the linear head with {shots} a class: {blend:.3} vs {linear:.3}");
        }
        assert!(means > 1.0 / CLASSES.len() as f64 + TIE, "better than chance (0.25) with {shots} a class: {means:.3}");
    }
}
