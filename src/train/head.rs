//! The user's classifier: one linear layer on ResNet50's pooled features, softmax on top.

use burn::module::{Module, Param};
use burn::nn::Linear;
use burn::tensor::{Device, Tensor, TensorData};

use crate::model::arch::FEATURE_DIM;
use crate::model::readback::{DeviceError, read};
use crate::model::scores::softmax;

/// A head on the host, in torch's `[classes, 2048]` layout (`nn.Linear.weight`, sklearn's
/// `coef_`): what the project file stores and what prediction uses.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct HeadWeights {
    /// `[classes, 2048]`, row-major.
    pub weight: Vec<f32>,
    /// `[classes]`.
    pub bias: Vec<f32>,
}

impl HeadWeights {
    /// The starting point of training: every class equally likely. The objective is convex,
    /// so no random initialisation is needed.
    pub fn zeros(classes: usize) -> Self {
        Self { weight: vec![0.0; classes * FEATURE_DIM], bias: vec![0.0; classes] }
    }

    /// Number of outputs.
    pub fn classes(&self) -> usize {
        self.bias.len()
    }

    /// `W · features + b` for one pooled feature vector.
    pub fn logits(&self, features: &[f32]) -> Vec<f32> {
        self.weight.chunks_exact(FEATURE_DIM).zip(&self.bias).map(|(row, bias)| row.iter().zip(features).map(|(w, x)| w * x).sum::<f32>() + bias).collect()
    }

    /// Softmax of [`Self::logits`]: each class's probability, output order.
    pub fn probabilities(&self, features: &[f32]) -> Vec<f32> {
        softmax(&self.logits(features))
    }

    /// Class activation map: the class's weight row applied at every cell of a
    /// `[2048, cells]` feature map. Averaged over cells it is the class logit minus the bias.
    pub fn activation_map(&self, class: usize, feature_map: &[f32]) -> Vec<f32> {
        let row = &self.weight[class * FEATURE_DIM..(class + 1) * FEATURE_DIM];
        let cells = feature_map.len() / FEATURE_DIM;
        let mut map = vec![0.0f32; cells];
        for (w, channel) in row.iter().zip(feature_map.chunks_exact(cells)) {
            for (cell, value) in map.iter_mut().zip(channel) {
                *cell += w * value;
            }
        }
        map
    }
}

/// The head as a burn module (trainable when its device has autodiff).
#[derive(Module, Debug)]
pub struct Head {
    /// 2048 → classes; burn stores the weight as `[2048, classes]`.
    pub linear: Linear,
}

impl Head {
    /// Uploads host weights to `device`.
    pub fn new(weights: &HeadWeights, device: &Device) -> Self {
        let classes = weights.classes();
        let weight = Tensor::<2>::from_data(TensorData::new(weights.weight.clone(), [classes, FEATURE_DIM]), device);
        let bias = Tensor::<1>::from_data(TensorData::new(weights.bias.clone(), [classes]), device);
        // burn's Linear multiplies by [in, out].
        Self { linear: Linear { weight: Param::from_tensor(weight.transpose()), bias: Some(Param::from_tensor(bias)) } }
    }

    /// `[batch, 2048]` features → `[batch, classes]` logits.
    pub fn forward(&self, features: Tensor<2>) -> Tensor<2> {
        self.linear.forward(features)
    }

    /// Reads the parameters back to the host (asynchronously, as WebGPU requires).
    pub async fn weights(&self) -> Result<HeadWeights, DeviceError> {
        let weight = read(self.linear.weight.val().transpose()).await?;
        let bias = match &self.linear.bias {
            Some(bias) => read(bias.val()).await?,
            None => vec![0.0; weight.len() / FEATURE_DIM],
        };
        Ok(HeadWeights { weight, bias })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activation_map_averages_to_the_logit_without_bias() {
        let cells = 4;
        let mut weights = HeadWeights::zeros(2);
        weights.weight[FEATURE_DIM..].iter_mut().enumerate().for_each(|(c, w)| *w = (c % 7) as f32 - 3.0);
        weights.bias = vec![0.5, -1.0];
        let map: Vec<f32> = (0..FEATURE_DIM * cells).map(|i| ((i * 31) % 17) as f32 / 17.0).collect();
        let pooled: Vec<f32> = map.chunks_exact(cells).map(|c| c.iter().sum::<f32>() / cells as f32).collect();
        let cam = weights.activation_map(1, &map);
        let mean = cam.iter().sum::<f32>() / cells as f32;
        assert!((mean - (weights.logits(&pooled)[1] + 1.0)).abs() < 1e-2, "{mean}");
    }

    #[test]
    fn device_round_trip_keeps_the_layout() {
        let device = Device::flex();
        let mut weights = HeadWeights::zeros(3);
        weights.weight.iter_mut().enumerate().for_each(|(i, w)| *w = i as f32);
        weights.bias = vec![1.0, 2.0, 3.0];
        let back = pollster::block_on(Head::new(&weights, &device).weights()).unwrap();
        assert_eq!(back, weights);
    }
}
