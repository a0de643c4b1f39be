//! `bench`: ResNet50 batch-1 latency on one backend (warm-up excluded), as JSON.

use std::time::Instant;

use crate::fetch::Weights;
use anyhow::{Result, bail};
use burn::tensor::Device;
use transfer_studio::model::precision::Precision;

/// Loads the weights (cast to `precision`), runs `warmup` passes, then times `runs` passes (each read back).
pub fn bench(weights: &Weights, device: &Device, backend: &str, precision: Precision, runs: usize, warmup: usize) -> Result<()> {
    if runs == 0 {
        bail!("--runs must be at least 1");
    }
    if precision == Precision::F16 && Precision::half_if_supported(device) != Precision::F16 {
        bail!("--half: this device does not compute in f16 (wgpu needs an adapter with shader-f16)");
    }
    let started = Instant::now();
    let (classifier, _) = weights.classifier(device)?;
    let classifier = classifier.in_precision(precision);
    let input = classifier.bench_input();
    let load_ms = started.elapsed().as_secs_f64() * 1e3;
    let first = Instant::now();
    pollster::block_on(classifier.logits(input.clone()))?;
    let first_ms = first.elapsed().as_secs_f64() * 1e3;
    for _ in 1..warmup {
        pollster::block_on(classifier.logits(input.clone()))?;
    }
    let mut times: Vec<f64> = (0..runs)
        .map(|_| {
            let start = Instant::now();
            pollster::block_on(classifier.logits(input.clone())).map(|_| start.elapsed().as_secs_f64() * 1e3)
        })
        .collect::<Result<_, _>>()?;
    times.sort_by(f64::total_cmp);
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    let line = serde_json::json!({
        "backend": backend, "precision": precision.name(), "runs": runs, "load_ms": load_ms, "first_ms": first_ms,
        "median_ms": at(0.5), "p90_ms": at(0.9), "min_ms": times[0],
    });
    println!("{line}");
    Ok(())
}
