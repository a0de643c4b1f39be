//! The classifier as PyTorch loads it: a safetensors state dict in torchvision's
//! `resnet50(num_classes=k)` layout (`fc.*` = the trained head), and the head alone
//! (`weight` `[k, 2048]`, `bias` `[k]`) for those who keep their own backbone.
//!
//! From an fp32 torchvision file the backbone's tensors are written as they were. Where
//! only the folded model is at hand (the int8 one, dequantized), each BatchNorm is written
//! as the identity on the folded convolution — `γ = 1`, `μ = 0`, `σ² = 1 − ε` — with the
//! folded bias as its `β`, so `resnet50` computes the same function.

use safetensors::Dtype;

use super::backbone::Backbone;
use crate::model::arch::{BN_EPS, FEATURE_DIM, ResNet50Spec};
use crate::model::container::ContainerWriter;
use crate::model::le_bytes::le_bytes;
use crate::model::weights::{TorchvisionWeights, WeightsError};
use crate::train::head::HeadWeights;

/// `__metadata__["format"]`: what `safetensors.torch.save_file` writes.
const FORMAT: &str = "pt";
/// Version of what this writer adds to the metadata (`classes`, `preprocessing`: the
/// eval transform as Transfer Studio's JSON).
const VERSION: &str = "1";

/// The state dict of `resnet50(num_classes=k)` with the head as `fc`. `original`: the fp32
/// torchvision file the backbone was folded from, whose tensors are then kept as they are.
pub fn resnet50_state_dict(backbone: &Backbone, original: Option<&[u8]>, head: &HeadWeights, classes: &[String]) -> Result<Vec<u8>, WeightsError> {
    let spec = ResNet50Spec::new();
    let mut file = ContainerWriter::new(FORMAT, VERSION);
    let original = original.map(|bytes| TorchvisionWeights::parse(bytes, &spec)).transpose()?;
    for (index, conv) in spec.convs().enumerate() {
        let out = conv.channels_out;
        let (weight, bn) = match &original {
            Some(weights) => {
                let bn = ["weight", "bias", "running_mean", "running_var"].map(|field| weights.f32(&format!("{}.{field}", conv.bn)));
                let [gamma, beta, mean, var] = bn;
                (weights.f32(&format!("{}.weight", conv.conv))?, [gamma?, beta?, mean?, var?])
            }
            None => {
                let (weight, bias, _) = backbone.conv_fp32(index);
                (weight.into_owned(), [vec![1.0; out], bias.to_vec(), vec![0.0; out], vec![1.0 - BN_EPS; out]])
            }
        };
        file.tensor(format!("{}.weight", conv.conv), Dtype::F32, conv.weight_shape().to_vec(), le_bytes(weight));
        for (field, values) in ["weight", "bias", "running_mean", "running_var"].into_iter().zip(bn) {
            file.tensor(format!("{}.{field}", conv.bn), Dtype::F32, vec![out], le_bytes(values));
        }
        file.tensor(format!("{}.num_batches_tracked", conv.bn), Dtype::I64, vec![], vec![0; 8]);
    }
    file.tensor("fc.weight", Dtype::F32, vec![head.classes(), FEATURE_DIM], le_bytes(head.weight.iter().copied()));
    file.tensor("fc.bias", Dtype::F32, vec![head.classes()], le_bytes(head.bias.iter().copied()));
    file.metadata("classes", serde_json::to_string(classes).expect("strings serialize"));
    file.metadata("preprocessing", serde_json::to_string(&backbone.preprocessing).expect("preprocessing serializes"));
    Ok(file.to_bytes())
}

/// The head alone: `weight` `[k, 2048]` and `bias` `[k]` (an `nn.Linear(2048, k)`).
pub fn head_state_dict(head: &HeadWeights, classes: &[String]) -> Vec<u8> {
    let mut file = ContainerWriter::new(FORMAT, VERSION);
    file.tensor("weight", Dtype::F32, vec![head.classes(), FEATURE_DIM], le_bytes(head.weight.iter().copied()));
    file.tensor("bias", Dtype::F32, vec![head.classes()], le_bytes(head.bias.iter().copied()));
    file.metadata("classes", serde_json::to_string(classes).expect("strings serialize"));
    file.to_bytes()
}
