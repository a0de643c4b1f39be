//! Seeded random ResNet50 weights in torchvision layout, for demos and tests.
//!
//! Convolutions are He-initialised; each BatchNorm's running statistics are then set to
//! the batch statistics its input has on a seeded calibration batch (a train-mode forward
//! pass, layer by layer), so activations stay in range through all 16 bottlenecks.
//! Predictions from these weights are meaningless; the layout and numerics are real.

use std::collections::BTreeMap;

use burn::tensor::activation::relu;
use burn::tensor::module::{conv2d, max_pool2d};
use burn::tensor::ops::{ConvOptions, MaxPoolOptions};
use burn::tensor::{Device, Tensor, TensorData};
use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};
use rand_distr::{Distribution, Normal, Uniform};
use safetensors::{Dtype, tensor::TensorView};

use super::arch::{BN_EPS, ConvSpec, FEATURE_DIM, NUM_CLASSES, ResNet50Spec};
use super::fold::{BatchNorm, fold_batch_norm};
use super::le_bytes::le_bytes;
use super::resnet::{ResNet50, folded_conv};

/// Images in the calibration batch.
const CALIBRATION_BATCH: usize = 2;

/// Writes seeded weights as torchvision-layout safetensors bytes.
pub fn demo_weights(seed: u64, device: &Device) -> Vec<u8> {
    let spec = ResNet50Spec::new();
    let mut rng = StdRng::seed_from_u64(seed);
    let mut tensors: BTreeMap<String, (Vec<usize>, Vec<f32>)> = BTreeMap::new();

    let noise = Normal::new(0.0f32, 1.0).expect("unit normal");
    let input: Vec<f32> = (0..CALIBRATION_BATCH * 3 * 224 * 224).map(|_| noise.sample(&mut rng)).collect();
    let mut calibrator = Calibrator { rng: &mut rng, device, tensors: &mut tensors };
    let x = Tensor::<4>::from_data(TensorData::new(input, [CALIBRATION_BATCH, 3, 224, 224]), device);

    let x = relu(calibrator.conv_bn(&spec.stem, x, 1.0));
    let mut x = max_pool2d(x, MaxPoolOptions::new([3, 3]).with_stride([2, 2]).with_padding([1, 1]));
    for block in &spec.blocks {
        let shortcut = match &block.downsample {
            Some(projection) => calibrator.conv_bn(projection, x.clone(), 1.0),
            None => x.clone(),
        };
        let y = relu(calibrator.conv_bn(&block.reduce, x, 1.0));
        let y = relu(calibrator.conv_bn(&block.spatial, y, 1.0));
        // A small last γ keeps each residual branch from doubling the activation variance.
        let y = calibrator.conv_bn(&block.expand, y, 0.3);
        x = relu(y + shortcut);
    }

    let fc_std = (1.0 / FEATURE_DIM as f32).sqrt() * 4.0;
    let fc = Normal::new(0.0f32, fc_std).expect("finite std");
    let mut fc_weight: Vec<f32> = (0..NUM_CLASSES * FEATURE_DIM).map(|_| fc.sample(&mut rng)).collect();
    // Post-ReLU features share one large common direction; rows that see it would make one
    // class win on every image, so each row is made orthogonal to the mean feature.
    let mean_feature = ResNet50::pool(x).mean_dim(0).into_data().try_to_vec::<f32>().expect("f32 features");
    let norm = mean_feature.iter().map(|v| v * v).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
    let direction: Vec<f32> = mean_feature.iter().map(|v| v / norm).collect();
    for row in fc_weight.chunks_exact_mut(FEATURE_DIM) {
        let along = row.iter().zip(&direction).map(|(w, d)| w * d).sum::<f32>();
        row.iter_mut().zip(&direction).for_each(|(w, d)| *w -= along * d);
    }
    let fc_bias = (0..NUM_CLASSES).map(|_| rng.random_range(-0.1f32..0.1)).collect();
    tensors.insert("fc.weight".into(), (vec![NUM_CLASSES, FEATURE_DIM], fc_weight));
    tensors.insert("fc.bias".into(), (vec![NUM_CLASSES], fc_bias));
    serialize(&tensors)
}

struct Calibrator<'a> {
    rng: &'a mut StdRng,
    device: &'a Device,
    tensors: &'a mut BTreeMap<String, (Vec<usize>, Vec<f32>)>,
}

impl Calibrator<'_> {
    /// Draws the conv and BatchNorm parameters of `spec`, sets the running statistics from
    /// `x`'s batch statistics, and returns `bn(conv(x))` as inference will compute it.
    fn conv_bn(&mut self, spec: &ConvSpec, x: Tensor<4>, gamma_scale: f32) -> Tensor<4> {
        let shape = spec.weight_shape();
        let fan_in = (spec.channels_in * spec.kernel * spec.kernel) as f32;
        let he = Normal::new(0.0f32, (2.0 / fan_in).sqrt()).expect("finite std");
        let weight: Vec<f32> = (0..shape.iter().product()).map(|_| he.sample(&mut *self.rng)).collect();
        let channels = spec.channels_out;
        let gamma_range = Uniform::new(0.5 * gamma_scale, 1.5 * gamma_scale).expect("valid range");
        let gamma: Vec<f32> = (0..channels).map(|_| gamma_range.sample(&mut *self.rng)).collect();
        let beta: Vec<f32> = (0..channels).map(|_| self.rng.random_range(-0.1f32..0.1)).collect();

        let options = ConvOptions::new([spec.stride; 2], [spec.padding; 2], [1, 1], 1);
        let raw_weight = Tensor::<4>::from_data(TensorData::new(weight.clone(), shape), self.device);
        let z = conv2d(x.clone(), raw_weight, None, options); // [n, c, h, w]
        let per_channel = z.swap_dims(0, 1).flatten::<2>(1, 3); // [c, n·h·w]
        let mean = per_channel.clone().mean_dim(1);
        let var = (per_channel - mean.clone()).square().mean_dim(1);
        let read = |t: Tensor<2>| t.into_data().try_to_vec::<f32>().expect("f32 statistics");
        let (running_mean, running_var) = (read(mean), read(var));

        let bn = BatchNorm { gamma: &gamma, beta: &beta, running_mean: &running_mean, running_var: &running_var, eps: BN_EPS };
        let output = folded_conv(spec, fold_batch_norm(weight.clone(), shape, &bn), self.device).forward(x);

        self.tensors.insert(format!("{}.weight", spec.conv), (shape.to_vec(), weight));
        for (field, values) in [("weight", gamma), ("bias", beta), ("running_mean", running_mean), ("running_var", running_var)] {
            self.tensors.insert(format!("{}.{field}", spec.bn), (vec![channels], values));
        }
        output
    }
}

fn serialize(tensors: &BTreeMap<String, (Vec<usize>, Vec<f32>)>) -> Vec<u8> {
    let bytes: BTreeMap<&str, (Vec<usize>, Vec<u8>)> =
        tensors.iter().map(|(name, (shape, values))| (name.as_str(), (shape.clone(), le_bytes(values.iter().copied())))).collect();
    let views = bytes.iter().map(|(name, (shape, data))| (*name, TensorView::new(Dtype::F32, shape.clone(), data).expect("shape matches byte count")));
    safetensors::serialize(views, None).expect("in-memory serialization")
}
