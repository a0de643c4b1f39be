//! ResNet50 inference modules, mirroring torchvision's `resnet50` with BatchNorm folded.
//!
//! Built from a [`FoldedResNet50`] (host arrays) onto any burn [`Device`]; the same code
//! runs natively (flex, wgpu) and in the browser (WebGPU, flex in wasm).
//!
//! # Shapes
//! - input: `[batch, 3, 224, 224]`, normalized RGB
//! - [`ResNet50::feature_map`]: `[batch, 2048, 7, 7]`
//! - [`ResNet50::pool`]: `[batch, 2048]`
//! - [`ResNet50::classify`]: `[batch, 1000]` logits

use burn::module::{Module, Param};
use burn::nn::conv::Conv2d;
use burn::nn::{Linear, PaddingConfig2d};
use burn::tensor::activation::relu;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::{Device, Tensor, TensorData};

use super::arch::{BottleneckSpec, ConvSpec, FEATURE_DIM, NUM_CLASSES, ResNet50Spec};
use super::fold::{FoldedConv, FoldedResNet50};

/// Torchvision `Bottleneck` (expansion 4) with each conv+BN folded into one conv.
#[derive(Module, Debug)]
pub struct Bottleneck {
    pub reduce: Conv2d,
    pub spatial: Conv2d,
    pub expand: Conv2d,
    pub downsample: Option<Conv2d>,
}

impl Bottleneck {
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let shortcut = match &self.downsample {
            Some(projection) => projection.forward(x.clone()),
            None => x.clone(),
        };
        let x = relu(self.reduce.forward(x));
        let x = relu(self.spatial.forward(x));
        let x = self.expand.forward(x);
        relu(x + shortcut)
    }
}

/// ResNet50: 7×7 stem, 3×3 max-pool, 16 bottlenecks in four stages, average pool, fc.
#[derive(Module, Debug)]
pub struct ResNet50 {
    pub stem: Conv2d,
    pub blocks: Vec<Bottleneck>,
    pub fc: Linear,
}

impl ResNet50 {
    /// Uploads folded host weights to `device`.
    pub fn new(folded: FoldedResNet50, spec: &ResNet50Spec, device: &Device) -> Self {
        let FoldedResNet50 { convs, fc_weight, fc_bias } = folded;
        let mut convs = convs.into_iter();
        let mut next = |conv_spec: &ConvSpec| {
            folded_conv(conv_spec, convs.next().expect("one folded conv per spec entry"), device)
        };
        let stem = next(&spec.stem);
        let blocks = spec
            .blocks
            .iter()
            .map(|block: &BottleneckSpec| Bottleneck {
                reduce: next(&block.reduce),
                spatial: next(&block.spatial),
                expand: next(&block.expand),
                downsample: block.downsample.as_ref().map(&mut next),
            })
            .collect();
        // torchvision stores fc.weight as [out, in]; burn's Linear multiplies by [in, out].
        let fc_weight = Tensor::<2>::from_data(
            TensorData::new(fc_weight, [NUM_CLASSES, FEATURE_DIM]),
            device,
        )
        .transpose();
        let fc_bias = Tensor::<1>::from_data(TensorData::new(fc_bias, [NUM_CLASSES]), device);
        let fc = Linear { weight: Param::from_tensor(fc_weight), bias: Some(Param::from_tensor(fc_bias)) };
        Self { stem, blocks, fc }
    }

    /// Backbone up to the last stage: `[b, 3, 224, 224]` → `[b, 2048, 7, 7]`.
    pub fn feature_map(&self, images: Tensor<4>) -> Tensor<4> {
        let x = relu(self.stem.forward(images)); // [b, 64, 112, 112]
        let x = max_pool2d(x, MaxPoolOptions::new([3, 3]).with_stride([2, 2]).with_padding([1, 1])); // [b, 64, 56, 56]
        self.blocks.iter().fold(x, |x, block| block.forward(x)) // [b, 2048, 7, 7]
    }

    /// Global average pool: `[b, 2048, h, w]` → `[b, 2048]`.
    pub fn pool(feature_map: Tensor<4>) -> Tensor<2> {
        let [batch, channels, _, _] = feature_map.dims();
        feature_map.flatten::<3>(2, 3).mean_dim(2).reshape([batch, channels])
    }

    /// ImageNet logits from pooled features: `[b, 2048]` → `[b, 1000]`.
    pub fn classify(&self, features: Tensor<2>) -> Tensor<2> {
        self.fc.forward(features)
    }

    /// Images to logits.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.classify(Self::pool(self.feature_map(images)))
    }
}

pub(crate) fn folded_conv(spec: &ConvSpec, folded: FoldedConv, device: &Device) -> Conv2d {
    debug_assert_eq!(folded.shape, spec.weight_shape(), "{}", spec.conv);
    let weight = Tensor::<4>::from_data(TensorData::new(folded.weight, folded.shape), device);
    let bias = Tensor::<1>::from_data(TensorData::new(folded.bias, [spec.channels_out]), device);
    Conv2d {
        weight: Param::from_tensor(weight),
        bias: Some(Param::from_tensor(bias)),
        stride: [spec.stride; 2],
        kernel_size: [spec.kernel; 2],
        dilation: [1, 1],
        groups: 1,
        padding: PaddingConfig2d::Explicit(spec.padding, spec.padding, spec.padding, spec.padding),
    }
}
