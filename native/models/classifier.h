// A small CNN classifier of the training data's classes. It is the judge of
// sample quality: FID is computed on its penultimate features, and class
// coverage on its predictions, since Inception weights cannot be downloaded.
#pragma once

#include <torch/torch.h>

namespace gentorch {

/// Mirrored by ClassifierConfig in lib/config/classifier.ts.
struct ClassifierOptions {
  TORCH_ARG(int64_t, channels) = 1;
  TORCH_ARG(int64_t, height) = 28;
  TORCH_ARG(int64_t, width) = 28;
  TORCH_ARG(int64_t, num_classes) = 10;
  /// Width of the penultimate layer: the feature space of the FID.
  TORCH_ARG(int64_t, feature_dim) = 128;
};

class ClassifierNet : public torch::nn::Module {
 public:
  explicit ClassifierNet(const ClassifierOptions& options);
  // Penultimate features [B, feature_dim] of images in [0, 1].
  torch::Tensor features(const torch::Tensor& x);
  torch::Tensor forward(const torch::Tensor& x);  // logits [B, classes]

 private:
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::Linear fc1{nullptr}, fc2{nullptr};
};

}  // namespace gentorch
