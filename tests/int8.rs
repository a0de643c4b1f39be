//! The int8 model against the independent fp32 reference (ONNX Runtime on the same seeded
//! weights; see tests/reference/make_golden.py). Bounds, on every photo fixture: logits
//! cosine similarity ≥ 0.995 and top-5 overlap ≥ 4; top-1 agreement ≥ 95% overall (measured: 97.6%, one photo differs).

mod common;

use burn::tensor::Device;
use common::{TestResult, golden, top5};
use transfer_studio::engine::Classifier;
use transfer_studio::model::arch::ResNet50Spec;
use transfer_studio::model::digest::sha256_hex;
use transfer_studio::model::fold::FoldedResNet50;
use transfer_studio::model::quant::{FORMAT, Int8Error, Int8ResNet50};
use transfer_studio::vision::preprocess::Preprocessing;

fn cosine(a: &[f32], b: &[f32]) -> f64 {
    let dot: f64 = a.iter().zip(b).map(|(x, y)| f64::from(*x) * f64::from(*y)).sum();
    let norm = |v: &[f32]| v.iter().map(|x| f64::from(*x).powi(2)).sum::<f64>().sqrt();
    dot / (norm(a) * norm(b))
}

fn int8_bytes(weights: &[u8]) -> Result<Vec<u8>, Box<dyn std::error::Error>> {
    let spec = ResNet50Spec::new();
    let folded = FoldedResNet50::from_torchvision(weights, &spec)?;
    Ok(Int8ResNet50::quantize(&folded, Preprocessing::default(), sha256_hex(weights)).to_bytes(&spec))
}

#[test]
fn int8_model_stays_within_bounds_of_the_fp32_reference() -> TestResult {
    let golden = golden()?;
    let bytes = int8_bytes(&golden.weights)?;
    println!("int8 file: {} bytes ({:.1}% of fp32)", bytes.len(), 100.0 * bytes.len() as f64 / golden.weights.len() as f64);
    assert!(bytes.len() <= 26_000_000, "int8 file is {} bytes", bytes.len());

    let classifier = Classifier::from_weights(&bytes, &Device::flex())?;
    let photos: Vec<_> = golden.fixtures.iter().filter(|f| f.kind.starts_with("photo")).collect();
    assert!(photos.len() >= 20);
    let mut agree = 0;
    for fixture in &photos {
        let reference = &golden.logits[&fixture.name];
        let ours = pollster::block_on(classifier.logits(golden.inputs[&fixture.name].clone()))?;
        let similarity = cosine(&ours, reference);
        let (expected, got) = (top5(reference), top5(&ours));
        let overlap = got.iter().filter(|i| expected.contains(i)).count();
        let mut sorted = reference.clone();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let margin = sorted[0] - sorted[1];
        agree += usize::from(got[0] == expected[0]);
        println!(
            "{:26} cosine {similarity:.5}  top-5 overlap {overlap}  top-1 {}  (reference margin {margin:.3})",
            fixture.name,
            if got[0] == expected[0] { "same" } else { "DIFFERENT" }
        );
        assert!(similarity >= 0.995, "{}: cosine {similarity}", fixture.name);
        assert!(overlap >= 4, "{}: top-5 overlap {overlap}", fixture.name);
    }
    let agreement = agree as f64 / photos.len() as f64;
    println!("top-1 agreement {agree}/{} = {:.1}%", photos.len(), agreement * 100.0);
    assert!(agreement >= 0.95, "top-1 agreement {agreement}");
    Ok(())
}

#[test]
fn int8_file_round_trips_and_foreign_files_are_refused() -> TestResult {
    let golden = golden()?;
    let spec = ResNet50Spec::new();
    let bytes = int8_bytes(&golden.weights)?;
    let parsed = Int8ResNet50::from_bytes(&bytes, &spec)?;
    assert!(Int8ResNet50::from_bytes(&parsed.to_bytes(&spec), &spec)? == parsed, "write → read round trip");
    assert_eq!(parsed.source_sha256, sha256_hex(&golden.weights));
    assert_eq!(parsed.preprocessing, Preprocessing::default());

    let v2 = Int8ResNet50 { preprocessing: Preprocessing { resize: 232, ..Preprocessing::default() }, ..parsed };
    assert_eq!(Int8ResNet50::from_bytes(&v2.to_bytes(&spec), &spec)?.preprocessing.resize, 232);

    assert_eq!(Int8ResNet50::from_bytes(&golden.weights, &spec).err(), Some(Int8Error::Format(None)));
    let truncated = &bytes[..bytes.len() / 2];
    assert!(matches!(Int8ResNet50::from_bytes(truncated, &spec), Err(Int8Error::NotSafetensors(_))));
    let message = Classifier::from_weights(truncated, &Device::flex()).err().ok_or("accepted")?.to_string();
    assert!(message.contains("not a safetensors file"), "{message}");
    assert!(String::from_utf8_lossy(&bytes[..4096]).contains(FORMAT));
    Ok(())
}
