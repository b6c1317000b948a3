// Trains the judge classifier (Adam, cross-entropy) and answers with its
// predictions and features. Also the Frechet distance between two feature sets.
#pragma once

#include <torch/torch.h>

#include <memory>

#include "../models/classifier.h"
#include "adam.h"
#include "hooks.h"

namespace gentorch {

/// Options of one fit() call; mirrored by ClassifierFitConfig in lib/config/classifier.ts.
struct ClassifierFitOptions {
  TORCH_ARG(int64_t, epochs) = 2;
  TORCH_ARG(int64_t, batch_size) = 128;
  TORCH_ARG(double, lr) = 1e-3;
  TORCH_ARG(int64_t, progress_every) = 50;
};

class ClassifierModel {
 public:
  ClassifierModel(ClassifierOptions options, torch::Device device, uint64_t seed);

  const ClassifierOptions& options() const { return options_; }
  torch::Device device() const { return device_; }
  const TrainingState& training_state() const { return state_; }
  int64_t parameter_count() const;

  void fit(const torch::Tensor& images, const torch::Tensor& labels, const ClassifierFitOptions& o,
           const FitHooks& hooks);
  double accuracy(const torch::Tensor& images, const torch::Tensor& labels);
  torch::Tensor features(const torch::Tensor& images);       // [N, feature_dim] float64
  torch::Tensor probabilities(const torch::Tensor& images);  // [N, classes]

  NamedTensors export_state(bool optimizer);
  void import_state(const NamedTensors& tensors, const TrainingState& state);

 private:
  torch::Tensor prepare(const torch::Tensor& images) const;
  NamedTensors parameters() const;  // the network's, under their checkpoint names
  template <typename F>
  torch::Tensor batched(const torch::Tensor& images, F&& f);

  ClassifierOptions options_;
  torch::Device device_;
  std::shared_ptr<ClassifierNet> net_;
  std::unique_ptr<Adam> optimizer_;
  at::Generator rng_;
  TrainingState state_;
};

}  // namespace gentorch
