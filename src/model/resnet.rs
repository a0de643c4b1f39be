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
use burn::nn::Linear;
use burn::tensor::module::max_pool2d;
use burn::tensor::ops::MaxPoolOptions;
use burn::tensor::quantization::{QuantScheme, QuantStore, QuantValue};
use burn::tensor::{Device, FloatDType, Tensor, TensorData};

use super::arch::{ConvSpec, FEATURE_DIM, NUM_CLASSES, ResNet50Spec};
use super::conv::Conv;
use super::epilogue::Epilogue;
use super::fold::{FoldedConv, FoldedResNet50};
use super::planes::Planes;
use super::quant::{Int8ResNet50, QuantizedLayer};
use super::shifted_conv::ShiftedConv;

/// Torchvision `Bottleneck` (expansion 4) with each conv+BN folded into one conv.
#[derive(Module, Debug)]
pub struct Bottleneck {
    /// 1×1 down to the block's planes.
    pub reduce: Conv,
    /// 3×3, strided in the first block of a stage.
    pub spatial: Conv,
    /// 1×1 up to planes × 4.
    pub expand: Conv,
    /// Projection shortcut, where the shape changes.
    pub downsample: Option<Conv>,
}

impl Bottleneck {
    /// `relu(expand(relu(spatial(relu(reduce(x))))) + shortcut(x))`.
    pub fn forward(&self, x: Tensor<4>) -> Tensor<4> {
        let shortcut = match &self.downsample {
            Some(projection) => projection.forward(x.clone()),
            None => x.clone(),
        };
        let x = self.reduce.forward_with(x, Epilogue::relu());
        let x = self.spatial.forward_with(x, Epilogue::relu());
        self.expand.forward_with(x, Epilogue { residual: Some(shortcut), relu: true })
    }

    /// Its convolutions, `[reduce, spatial, expand]` and the projection, where every one is
    /// a shifted product (the CPU path with `fma_product`).
    fn shifted(&self) -> Option<ShiftedBlock<'_>> {
        let projection = match &self.downsample {
            Some(projection) => Some(projection.shifted()?),
            None => None,
        };
        Some(ShiftedBlock { convs: [self.reduce.shifted()?, self.spatial.shifted()?, self.expand.shifted()?], projection })
    }
}

/// A bottleneck whose convolutions all run on the host: [`Bottleneck::forward`] without a
/// tensor between its layers.
struct ShiftedBlock<'a> {
    convs: [&'a ShiftedConv; 3],
    projection: Option<&'a ShiftedConv>,
}

impl ShiftedBlock<'_> {
    fn apply(&self, x: &Planes) -> Planes {
        let [reduce, spatial, expand] = self.convs;
        let projected = self.projection.map(|projection| projection.apply(x, None, false));
        let y = reduce.apply(x, None, true);
        let y = spatial.apply(&y, None, true);
        expand.apply(&y, Some(projected.as_ref().unwrap_or(x)), true)
    }
}

/// ResNet50: 7×7 stem, 3×3 max-pool, 16 bottlenecks in four stages, average pool, fc.
#[derive(Module, Debug)]
pub struct ResNet50 {
    /// 7×7, stride 2, 64 channels.
    pub stem: Conv,
    /// The 16 bottlenecks in forward order.
    pub blocks: Vec<Bottleneck>,
    /// The ImageNet classifier, 2048 → 1000.
    pub fc: Linear,
}

impl ResNet50 {
    /// Uploads folded fp32 host weights to `device`.
    pub fn new(folded: FoldedResNet50, spec: &ResNet50Spec, device: &Device) -> Self {
        let FoldedResNet50 { convs, fc_weight, fc_bias } = folded;
        let convs = convs.into_iter().map(|c| {
            let out = c.shape[0];
            (Tensor::<4>::from_data(TensorData::new(c.weight, c.shape), device), vector(c.bias, out, device))
        });
        let fc = Tensor::<2>::from_data(TensorData::new(fc_weight, [NUM_CLASSES, FEATURE_DIM]), device);
        Self::assemble(spec, convs, (fc, vector(fc_bias, NUM_CLASSES, device)))
    }

    /// Uploads int8 weights (packed, a quarter of the fp32 bytes) and dequantizes them once,
    /// on `device`: `w = scale[o] · q[o, …]`.
    pub fn from_int8(model: Int8ResNet50, spec: &ResNet50Spec, device: &Device) -> Self {
        let convs = model.convs.into_iter().map(|layer| {
            let shape: [usize; 4] = layer.shape.clone().try_into().expect("conv weights are 4-d");
            let bias = vector(layer.bias.clone(), shape[0], device);
            (dequantize_on_device(layer, device).reshape(shape), bias)
        });
        let fc_bias = vector(model.fc.bias.clone(), NUM_CLASSES, device);
        let fc = dequantize_on_device(model.fc, device);
        Self::assemble(spec, convs, (fc, fc_bias))
    }

    /// Wires device tensors into modules: conv weights in [`ResNet50Spec::convs`] order,
    /// the fc weight in torchvision's `[out, in]` layout.
    fn assemble(spec: &ResNet50Spec, convs: impl Iterator<Item = (Tensor<4>, Tensor<1>)>, (fc_weight, fc_bias): (Tensor<2>, Tensor<1>)) -> Self {
        let mut convs = spec.convs().zip(convs).map(|(conv_spec, (weight, bias))| conv_module(conv_spec, weight, bias));
        let mut next = || convs.next().expect("one weight per spec entry");
        let stem = next();
        let blocks = spec
            .blocks
            .iter()
            .map(|block| Bottleneck { reduce: next(), spatial: next(), expand: next(), downsample: block.downsample.as_ref().map(|_| next()) })
            .collect();
        // burn's Linear multiplies by [in, out].
        let fc = Linear { weight: Param::from_tensor(fc_weight.transpose()), bias: Some(Param::from_tensor(fc_bias)) };
        Self { stem, blocks, fc }
    }

    /// Backbone up to the last stage: `[b, 3, 224, 224]` → `[b, 2048, 7, 7]`.
    pub fn feature_map(&self, images: Tensor<4>) -> Tensor<4> {
        let x = self.stem.forward_with(images, Epilogue::relu()); // [b, 64, 112, 112]
        let x = max_pool2d(x, MaxPoolOptions::new([3, 3]).with_stride([2, 2]).with_padding([1, 1])); // [b, 64, 56, 56]
        // On the CPU with `fma_product`, the activations stay on the host from block to block.
        if let Some(blocks) = self.blocks.iter().map(Bottleneck::shifted).collect::<Option<Vec<_>>>() {
            let device = x.device();
            return blocks.iter().fold(Planes::from_tensor(x), |x, block| block.apply(&x)).into_tensor(&device);
        }
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

    /// Class activation maps of one image: each class's fc row applied at every cell of its
    /// `[1, 2048, h, w]` feature map → `[classes, h·w]`. Averaged over cells, a map is the
    /// class logit less the bias.
    pub fn activation_maps(&self, feature_map: Tensor<4>) -> Tensor<2> {
        let [_, channels, height, width] = feature_map.dims();
        self.fc.weight.val().transpose().matmul(feature_map.reshape([channels, height * width]))
    }

    /// Every weight and bias cast to `dtype` on the device (by hand rather than with a
    /// `ModuleMapper`, whose generic walk costs the wasm kilobytes).
    pub fn cast(self, dtype: FloatDType) -> Self {
        let conv = |conv: Conv| conv.cast(dtype);
        let blocks = self
            .blocks
            .into_iter()
            .map(|b| Bottleneck { reduce: conv(b.reduce), spatial: conv(b.spatial), expand: conv(b.expand), downsample: b.downsample.map(conv) })
            .collect();
        let fc = Linear { weight: self.fc.weight.map(|w| w.cast(dtype)), bias: self.fc.bias.map(|b| b.map(|b| b.cast(dtype))) };
        Self { stem: conv(self.stem), blocks, fc }
    }

    /// Images to logits.
    pub fn forward(&self, images: Tensor<4>) -> Tensor<2> {
        self.classify(Self::pool(self.feature_map(images)))
    }
}

/// One conv+BN pair, folded, as a module on `device`.
pub(crate) fn folded_conv(spec: &ConvSpec, folded: FoldedConv, device: &Device) -> Conv {
    let bias = vector(folded.bias, spec.channels_out, device);
    Conv::new(spec, Tensor::<4>::from_data(TensorData::new(folded.weight, folded.shape), device), bias, device)
}

fn conv_module(spec: &ConvSpec, weight: Tensor<4>, bias: Tensor<1>) -> Conv {
    let device = weight.device();
    Conv::new(spec, weight, bias, &device)
}

fn vector(values: Vec<f32>, len: usize, device: &Device) -> Tensor<1> {
    Tensor::<1>::from_data(TensorData::new(values, [len]), device)
}

/// int8 values go up as burn's packed Q8S tensor (unit scale), are dequantized to f32 on the
/// device, then scaled per output channel: `[out, rest]`.
fn dequantize_on_device(layer: QuantizedLayer, device: &Device) -> Tensor<2> {
    let (count, out) = (layer.weight.len(), layer.shape[0]);
    let scheme = QuantScheme::default().with_value(QuantValue::Q8S).with_store(QuantStore::PackedU32(0));
    let packed = TensorData::quantized(layer.weight, [count], scheme, &[1.0], None);
    let values = Tensor::<1>::from_data(packed, device).dequantize().reshape([out, count / out]);
    values * vector(layer.scale, out, device).reshape([out, 1])
}
