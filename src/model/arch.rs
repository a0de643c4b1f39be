//! The ResNet50 layer table, named as torchvision names its `state_dict`.
//!
//! Every convolution is followed by a BatchNorm; the table lists each pair once so the
//! weight loader, the BatchNorm folding and the module builder all walk the same list.
//! Torchvision's ResNet50 is "V1.5": the stride of a downsampling bottleneck sits on its
//! 3×3 convolution (`conv2`), not on the first 1×1 as in the original paper.

/// Bottlenecks per stage (`layer1`..`layer4`), torchvision `resnet50`: `[3, 4, 6, 3]`.
pub const BLOCKS_PER_STAGE: [usize; 4] = [3, 4, 6, 3];
/// Inner width of the first stage's bottlenecks; doubles each stage.
pub const BASE_PLANES: usize = 64;
/// Bottleneck output width = planes × 4.
pub const EXPANSION: usize = 4;
/// Width of the pooled feature vector (`fc` input).
pub const FEATURE_DIM: usize = 2048;
/// Number of ImageNet classes.
pub const NUM_CLASSES: usize = 1000;
/// Epsilon of torchvision's `BatchNorm2d`.
pub const BN_EPS: f32 = 1e-5;

/// One convolution followed by its BatchNorm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConvSpec {
    /// Key prefix of the convolution, e.g. `layer2.0.conv2`.
    pub conv: String,
    /// Key prefix of its BatchNorm, e.g. `layer2.0.bn2`.
    pub bn: String,
    /// Input channels.
    pub channels_in: usize,
    /// Output channels (and BatchNorm width).
    pub channels_out: usize,
    /// Side of the square kernel.
    pub kernel: usize,
    /// Stride, both directions.
    pub stride: usize,
    /// Zero padding on every side.
    pub padding: usize,
}

impl ConvSpec {
    fn new(conv: String, bn: String, channels: [usize; 2], kernel: usize, stride: usize) -> Self {
        Self { conv, bn, channels_in: channels[0], channels_out: channels[1], kernel, stride, padding: kernel / 2 }
    }

    /// Shape of the convolution weight, `[out, in, k, k]`.
    pub fn weight_shape(&self) -> [usize; 4] {
        [self.channels_out, self.channels_in, self.kernel, self.kernel]
    }
}

/// One bottleneck: 1×1 reduce, 3×3 (strided), 1×1 expand, and an optional projection
/// shortcut (`downsample.0` conv + `downsample.1` BatchNorm).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BottleneckSpec {
    /// `conv1`: 1×1, down to the block's planes.
    pub reduce: ConvSpec,
    /// `conv2`: 3×3, carries the block's stride.
    pub spatial: ConvSpec,
    /// `conv3`: 1×1, up to planes × 4.
    pub expand: ConvSpec,
    /// The projection shortcut, on the first block of each stage only.
    pub downsample: Option<ConvSpec>,
}

impl BottleneckSpec {
    /// Its conv/BatchNorm pairs: reduce, spatial, expand, then the projection if any.
    pub fn convs(&self) -> impl Iterator<Item = &ConvSpec> {
        [&self.reduce, &self.spatial, &self.expand].into_iter().chain(self.downsample.as_ref())
    }
}

/// The whole network: stem conv, 16 bottlenecks, then the `fc` classifier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResNet50Spec {
    /// `conv1`/`bn1`: 7×7, stride 2, padding 3.
    pub stem: ConvSpec,
    /// The 16 bottlenecks, `layer1.0` to `layer4.2`.
    pub blocks: Vec<BottleneckSpec>,
}

impl ResNet50Spec {
    /// Torchvision's `resnet50` table.
    pub fn new() -> Self {
        let stem = ConvSpec { padding: 3, ..ConvSpec::new("conv1".into(), "bn1".into(), [3, BASE_PLANES], 7, 2) };
        let mut blocks = Vec::new();
        let mut channels_in = BASE_PLANES;
        for (stage, &count) in BLOCKS_PER_STAGE.iter().enumerate() {
            let planes = BASE_PLANES << stage;
            let channels_out = planes * EXPANSION;
            for index in 0..count {
                let stride = if index == 0 && stage > 0 { 2 } else { 1 };
                let p = format!("layer{}.{index}", stage + 1);
                let conv = |n: usize, ch: [usize; 2], k: usize, s: usize| ConvSpec::new(format!("{p}.conv{n}"), format!("{p}.bn{n}"), ch, k, s);
                let downsample =
                    (index == 0).then(|| ConvSpec::new(format!("{p}.downsample.0"), format!("{p}.downsample.1"), [channels_in, channels_out], 1, stride));
                blocks.push(BottleneckSpec {
                    reduce: conv(1, [channels_in, planes], 1, 1),
                    spatial: conv(2, [planes, planes], 3, stride),
                    expand: conv(3, [planes, channels_out], 1, 1),
                    downsample,
                });
                channels_in = channels_out;
            }
        }
        Self { stem, blocks }
    }

    /// Every conv/BatchNorm pair, stem first, in forward order.
    pub fn convs(&self) -> impl Iterator<Item = &ConvSpec> {
        std::iter::once(&self.stem).chain(self.blocks.iter().flat_map(|b| b.convs()))
    }

    /// Every tensor a torchvision `resnet50().state_dict()` holds, with its shape,
    /// except the `num_batches_tracked` counters (optional, ignored).
    pub fn expected_tensors(&self) -> Vec<(String, Vec<usize>)> {
        let mut tensors = Vec::new();
        for spec in self.convs() {
            tensors.push((format!("{}.weight", spec.conv), spec.weight_shape().to_vec()));
            for field in ["weight", "bias", "running_mean", "running_var"] {
                tensors.push((format!("{}.{field}", spec.bn), vec![spec.channels_out]));
            }
        }
        tensors.push(("fc.weight".into(), vec![NUM_CLASSES, FEATURE_DIM]));
        tensors.push(("fc.bias".into(), vec![NUM_CLASSES]));
        tensors
    }
}

impl Default for ResNet50Spec {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_torchvision_state_dict_size() {
        let spec = ResNet50Spec::new();
        // torchvision resnet50: 53 convs, 53 BatchNorms, fc; 25,557,032 parameters.
        assert_eq!(spec.convs().count(), 53);
        let params: usize =
            spec.expected_tensors().iter().filter(|(name, _)| !name.contains("running_")).map(|(_, shape)| shape.iter().product::<usize>()).sum();
        assert_eq!(params, 25_557_032);
    }

    #[test]
    fn stride_sits_on_the_3x3_conv() {
        let spec = ResNet50Spec::new();
        let first_of_layer2 = &spec.blocks[3];
        assert_eq!(first_of_layer2.spatial.conv, "layer2.0.conv2");
        assert_eq!(first_of_layer2.spatial.stride, 2);
        assert_eq!(first_of_layer2.reduce.stride, 1);
        assert_eq!(first_of_layer2.downsample.as_ref().unwrap().stride, 2);
    }
}
