//! `transfer-studio` — the native command line over the same core as the web app.

mod bench;
mod export;
mod fetch;
mod predict_exported;
mod teach;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result, bail};
use burn::tensor::Device;
use clap::{Parser, Subcommand, ValueEnum};
use fetch::Weights;
use transfer_studio::engine::TOP_K;
use transfer_studio::model::arch::ResNet50Spec;
use transfer_studio::model::demo::demo_weights;
use transfer_studio::model::digest::sha256_hex;
use transfer_studio::model::manifest::{Manifest, ModelEntry, ModelKind, WeightsFormat};
use transfer_studio::model::precision::Precision;
use transfer_studio::model::pth;
use transfer_studio::model::quant::{Int8ResNet50, is_int8, quantize_torchvision};
use transfer_studio::model::timm::DEFAULT_HUB;
use transfer_studio::model::weights::TorchvisionWeights;
use transfer_studio::train::trainer::TrainSettings;
use transfer_studio::vision::preprocess::MAX_RESIZE;

#[derive(Parser)]
#[command(name = "transfer-studio", version, about = "ResNet50 image classification and weight tools")]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Where timm model ids given to `--weights` resolve (`{hub}/{repo}/resolve/{revision}/…`).
    #[arg(long, global = true, env = "TRANSFER_STUDIO_HUB", default_value = DEFAULT_HUB)]
    hub: String,
    /// SHA-256 a downloaded `--weights` file must have (URLs the app's manifest lists are
    /// checked against its digests anyway).
    #[arg(long, global = true)]
    sha256: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Print the top-K ImageNet classes of each image.
    Classify {
        /// ResNet50 weights: torchvision-layout safetensors or an int8 model from `quantize` —
        /// a file, an `https://` URL or a timm model id (`timm/resnet50.a1_in1k[@revision]`);
        /// downloads are cached.
        #[arg(long)]
        weights: String,
        /// How many classes to print per image.
        #[arg(long, default_value_t = TOP_K)]
        top: usize,
        /// One JSON object per line instead of text, with each top class's activation map
        /// (`maps`: `map_side`² values over the center crop, row-major).
        #[arg(long)]
        json: bool,
        /// Compute backend.
        #[arg(long, value_enum, default_value_t = Backend::Cpu)]
        backend: Backend,
        /// Shorter side before the 224 crop, overriding the weights' own (int8 files record
        /// it; fp32 files default to 256; torchvision V2 weights use 232).
        #[arg(long)]
        resize: Option<u32>,
        /// Images: JPEG, PNG, WebP, GIF or BMP.
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Write a one-model `manifest.json` for the web app, with the file's size and SHA-256.
    Manifest {
        /// The weights file the manifest describes.
        weights: PathBuf,
        /// Display name.
        #[arg(long)]
        name: String,
        /// URL the page fetches it from (default: the file name, beside the manifest).
        #[arg(long)]
        url: Option<String>,
        #[arg(long, value_enum, default_value_t = Kind::Demo)]
        kind: Kind,
        #[arg(long)]
        out: PathBuf,
    },
    /// Fold BatchNorm and quantize torchvision-layout weights to the int8 model format.
    Quantize {
        /// fp32 (or f16/bf16) torchvision-layout safetensors: a file, URL or timm model id.
        #[arg(long)]
        weights: String,
        #[arg(long)]
        out: PathBuf,
        /// Shorter side before the 224 crop: 256 for torchvision V1 weights (the default),
        /// 232 for V2; a timm model's config sets its own.
        #[arg(long)]
        resize: Option<u32>,
    },
    /// Convert a torchvision `.pth` checkpoint (ZIP or legacy format) to safetensors.
    Convert {
        /// The checkpoint, e.g. `resnet50-11ad3fa6.pth`.
        #[arg(long)]
        pth: PathBuf,
        #[arg(long)]
        out: PathBuf,
        /// Key the weights are nested under, e.g. `state_dict` or `model`.
        #[arg(long)]
        key: Option<String>,
    },
    /// Teach mode: train a classifier head on one folder of images per class and write a
    /// project file (the web app imports it).
    Train {
        /// ResNet50 weights that compute the features (either format; file, URL or timm id).
        #[arg(long, required_unless_present = "from")]
        weights: Option<String>,
        /// A class and the folder of its example images, as NAME=DIR; repeat per class.
        #[arg(long = "class", value_name = "NAME=DIR", value_parser = teach::parse_class, required_unless_present = "from")]
        classes: Vec<(String, PathBuf)>,
        /// Retrain an existing project file's examples instead (features are reused).
        #[arg(long, conflicts_with_all = ["weights", "classes"])]
        from: Option<PathBuf>,
        /// The project file to write.
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = TrainSettings::default().epochs)]
        epochs: usize,
        #[arg(long, default_value_t = TrainSettings::default().learning_rate)]
        learning_rate: f64,
        #[arg(long, default_value_t = TrainSettings::default().batch_size)]
        batch_size: usize,
        /// Share of each class held out for validation.
        #[arg(long, default_value_t = TrainSettings::default().validation_fraction)]
        validation: f32,
        #[arg(long, default_value_t = TrainSettings::default().weight_decay)]
        weight_decay: f32,
        /// Also compute augmentation views (mirror, two random crops) and train on them.
        #[arg(long)]
        augment: bool,
        /// Seeds the split, the batch order and the random crops.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, value_enum, default_value_t = Backend::Cpu)]
        backend: Backend,
    },
    /// Print every class probability of a project's trained head for each image.
    Predict {
        /// A project file from `train` or the web app's export.
        #[arg(long, required_unless_present = "exported")]
        project: Option<PathBuf>,
        /// The backbone weights the project was trained with (file, URL or timm id).
        #[arg(long, required_unless_present = "exported")]
        weights: Option<String>,
        /// Instead of a project and weights: a classifier `export` wrote — an ONNX file, a
        /// PyTorch state dict or either folder.
        #[arg(long, conflicts_with_all = ["project", "weights"])]
        exported: Option<PathBuf>,
        #[arg(long)]
        json: bool,
        #[arg(long, value_enum, default_value_t = Backend::Cpu)]
        backend: Backend,
        #[arg(required = true)]
        images: Vec<PathBuf>,
    },
    /// Write a project's trained classifier for other tools: ONNX (fp32 or int8 weights), a
    /// torchvision state dict, or the head alone.
    Export {
        /// A project file with a trained classifier.
        #[arg(long)]
        project: PathBuf,
        /// The backbone weights the project was trained with (file, URL or timm id).
        #[arg(long)]
        weights: String,
        #[arg(long, value_enum)]
        format: export::Format,
        #[arg(long)]
        out: PathBuf,
    },
    /// Time batch-1 inference (warm-up excluded): median and p90 over `--runs`, as JSON.
    Bench {
        /// File, URL or timm id.
        #[arg(long)]
        weights: String,
        #[arg(long, value_enum, default_value_t = Backend::Cpu)]
        backend: Backend,
        #[arg(long, default_value_t = 20)]
        runs: usize,
        /// Passes before timing (the first one compiles kernels / autotunes).
        #[arg(long, default_value_t = 3)]
        warmup: usize,
        /// Compute in f16 (wgpu, where the adapter has shader-f16).
        #[arg(long)]
        half: bool,
    },
    /// Write seeded random ResNet50 weights in torchvision layout (predictions are meaningless).
    DemoWeights {
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long)]
        out: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Kind {
    /// Seeded random weights.
    Demo,
    /// Trained weights.
    Pretrained,
}

#[derive(Clone, Copy, ValueEnum)]
enum Backend {
    /// burn's flex CPU backend.
    Cpu,
    /// burn's wgpu backend (Vulkan/Metal/DX12, or a software adapter).
    Wgpu,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<()> {
    let downloads = fetch::Fetch { hub: cli.hub, sha256: cli.sha256 };
    match cli.command {
        Command::Classify { weights, top, json, backend, resize, images } => classify(&downloads.weights(&weights)?, top, json, backend, resize, &images),
        Command::Manifest { weights, name, url, kind, out } => manifest(&weights, name, url, kind, &out),
        Command::Quantize { weights, out, resize } => quantize(&downloads.weights(&weights)?, &out, resize),
        Command::Convert { pth, out, key } => convert(&pth, &out, key.as_deref()),
        Command::Train { weights, classes, from, out, epochs, learning_rate, batch_size, validation, weight_decay, augment, seed, backend } => {
            let settings = TrainSettings { epochs, learning_rate, batch_size, validation_fraction: validation, weight_decay, augment, seed };
            let device = device(backend)?;
            let project = match (from, weights) {
                (Some(from), _) => teach::read_project(&from)?,
                (None, Some(weights)) => teach::build_project(&downloads.weights(&weights)?, &classes, augment, &device)?,
                (None, None) => bail!("give --weights and --class, or --from"),
            };
            teach::train(project, settings, &device, &out)
        }
        Command::Predict { project, weights, exported, json, backend, images } => match (exported, project, weights) {
            (Some(exported), _, _) => predict_exported::predict(&exported, json, &device(backend)?, &images),
            (None, Some(project), Some(weights)) => teach::predict(&project, &downloads.weights(&weights)?, json, &device(backend)?, &images),
            _ => unreachable!("clap requires a project and weights without --exported"),
        },
        Command::Export { project, weights, format, out } => export::export(&project, &downloads.weights(&weights)?, format, &out),
        Command::Bench { weights, backend, runs, warmup, half } => {
            let name = match backend {
                Backend::Cpu => "cpu (flex)",
                Backend::Wgpu => "wgpu",
            };
            let precision = if half { Precision::F16 } else { Precision::F32 };
            bench::bench(&downloads.weights(&weights)?, &device(backend)?, name, precision, runs, warmup.max(1))
        }
        Command::DemoWeights { seed, out } => {
            let bytes = demo_weights(seed, &Device::flex());
            std::fs::write(&out, bytes).with_context(|| format!("writing {}", out.display()))
        }
    }
}

fn device(backend: Backend) -> Result<Device> {
    Ok(match backend {
        Backend::Cpu => Device::flex(),
        Backend::Wgpu => Device::wgpu_options().init().context("no wgpu adapter")?,
    })
}

fn classify(weights: &Weights, top: usize, json: bool, backend: Backend, resize: Option<u32>, images: &[PathBuf]) -> Result<()> {
    if top == 0 {
        bail!("--top must be at least 1");
    }
    if resize.is_some_and(|r| !(224..=MAX_RESIZE).contains(&r)) {
        bail!("--resize must be from the crop size (224) to {MAX_RESIZE}");
    }
    let device = device(backend)?;
    let (mut classifier, bytes) = weights.classifier(&device)?;
    if let Some(resize) = resize {
        classifier.set_resize(resize);
    }
    drop(bytes);
    let mut failures = 0;
    for path in images {
        let result = std::fs::read(path)
            .with_context(|| format!("reading {}", path.display()))
            .and_then(|image| Ok(pollster::block_on(classifier.look_at(&image, top))?));
        match result {
            Ok(look) if json => {
                let line = serde_json::json!({
                    "image": path.display().to_string(),
                    "top": look.classification.top,
                    "ms": look.classification.timings.total_ms(),
                    "timings": look.classification.timings,
                    "maps": look.maps,
                    "map_side": look.side,
                });
                println!("{line}");
            }
            Ok(look) => {
                let classification = look.classification;
                println!("{} ({:.1} ms)", path.display(), classification.timings.total_ms());
                for p in &classification.top {
                    println!("  {:>4}  {:>6.2}%  {}", p.index, p.prob * 100.0, p.label);
                }
            }
            Err(err) => {
                failures += 1;
                eprintln!("error: {}: {err:#}", path.display());
            }
        }
    }
    if failures > 0 {
        bail!("{failures} of {} image(s) could not be classified", images.len());
    }
    Ok(())
}

fn manifest(weights: &Path, name: String, url: Option<String>, kind: Kind, out: &Path) -> Result<()> {
    let bytes = std::fs::read(weights).with_context(|| format!("reading {}", weights.display()))?;
    let spec = ResNet50Spec::new();
    let format = if is_int8(&bytes) {
        Int8ResNet50::from_bytes(&bytes, &spec).with_context(|| format!("{}", weights.display()))?;
        WeightsFormat::Int8
    } else {
        TorchvisionWeights::parse(&bytes, &spec).with_context(|| format!("{}", weights.display()))?;
        WeightsFormat::Fp32
    };
    let file_name = weights.file_name().context("weights path has no file name")?.to_string_lossy();
    let kind = match kind {
        Kind::Demo => ModelKind::Demo,
        Kind::Pretrained => ModelKind::Pretrained,
    };
    let url = url.unwrap_or_else(|| format!("models/{file_name}"));
    let entry = ModelEntry::file(name, url, sha256_hex(&bytes), bytes.len() as u64, kind, format);
    let json = serde_json::to_string_pretty(&Manifest { models: vec![entry], hub: None })?;
    std::fs::write(out, json + "\n").with_context(|| format!("writing {}", out.display()))
}

fn quantize(weights: &Weights, out: &Path, resize: Option<u32>) -> Result<()> {
    let mut preprocessing = weights.preprocessing.clone().unwrap_or_default();
    if let Some(resize) = resize {
        preprocessing.resize = resize;
        if let Some(problem) = preprocessing.problem() {
            bail!("--resize: that makes {problem}");
        }
    }
    let path = &weights.path;
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let digest = sha256_hex(&bytes);
    let int8 = quantize_torchvision(bytes, digest, preprocessing).with_context(|| format!("{}", path.display()))?;
    std::fs::write(out, int8).with_context(|| format!("writing {}", out.display()))
}

fn convert(checkpoint: &Path, out: &Path, key: Option<&str>) -> Result<()> {
    let bytes = pth::pth_to_safetensors(checkpoint, key).with_context(|| format!("{}", checkpoint.display()))?;
    if let Err(err) = TorchvisionWeights::parse(&bytes, &ResNet50Spec::new()) {
        eprintln!("warning: {} converted, but it is not a torchvision ResNet50: {err}", checkpoint.display());
    }
    std::fs::write(out, bytes).with_context(|| format!("writing {}", out.display()))
}
