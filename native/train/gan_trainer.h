// The GAN and its adversarial loop: each step trains D (n_critic times, one
// batch each) then G once, with separate Adam optimisers and learning rates
// (TTUR), one-sided label smoothing, gradient-norm clipping, an exponential
// moving average of G for sampling, and a NaN/Inf guard.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>

#include "../models/gan.h"
#include "accel.h"
#include "fit_loop.h"
#include "adam.h"
#include "gan_losses.h"
#include "hooks.h"
#include "latent_search.h"
#include "nan_guard.h"
#include "parallel.h"
#include "step_graph.h"

namespace gentorch {

/// Everything that defines a GAN; mirrored 1:1 by GanConfig in lib/config/gan.ts
/// (defaults held equal by test/native/defaults.test.ts; fields read by native/binding/fields.h).
struct GanConfig {
  GanNetOptions net;
  /// "ns" (non-saturating, default), "minimax" (the article's), "wgan-gp" or "hinge".
  std::string loss = "ns";
  /// WGAN-GP's gradient-penalty weight.
  double gp_lambda = 10.0;
  /// D steps per G step (5 is WGAN-GP's).
  int64_t n_critic = 1;
  /// One-sided label smoothing: real images get target 1 - s.
  double label_smoothing = 0.0;
  /// Decay of the moving average of G used for sampling; 0 turns it off.
  double ema_decay = 0.0;
  /// Gradient-norm clip for both networks; 0 turns it off.
  double clip_grad = 0.0;
};

/// Options of one fit() call; mirrored by GanFitConfig in lib/config/gan.ts (GAN_FIT_DEFAULTS).
struct GanFitOptions {
  /// Train this many epochs (of D batches), or, when steps > 0, this many G steps.
  TORCH_ARG(int64_t, epochs) = 10;
  TORCH_ARG(int64_t, steps) = 0;
  TORCH_ARG(int64_t, batch_size) = 128;
  TORCH_ARG(double, lr_g) = 2e-4;
  TORCH_ARG(double, lr_d) = 2e-4;
  TORCH_ARG(double, beta1) = 0.5;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(int64_t, progress_every) = 50;
  TORCH_ARG(int64_t, checkpoint_every) = 0;
  /// epochs and steps count from the run's start, not this call's: a resumed
  /// fit trains only what is left (the CLI's --epochs / --steps). With data
  /// parallelism every rank then agrees, once rank 0's state has reached it.
  TORCH_ARG(bool, totals) = false;
  /// "auto" (bf16 autocast for the DCGAN on CUDA), "float32" or "bfloat16" (accel.h).
  TORCH_ARG(std::string, precision) = "auto";
  /// A NaN or infinite D or G step: "stop" with E_NUMERIC, or "skip" it (nan_guard.h).
  TORCH_ARG(std::string, on_nan) = "stop";
  /// "auto" (CUDA graphs for the MLP GAN on CUDA), "on" or "off" (step_graph.h).
  TORCH_ARG(std::string, cuda_graphs) = "auto";
  /// Fixed-noise samples over time: every this many G steps (and at the
  /// fit's start and end) G draws sample_count images from the same codes
  /// (FitHooks::on_samples); 0 is off.
  TORCH_ARG(int64_t, sample_every) = 0;
  TORCH_ARG(int64_t, sample_count) = 64;
};

// A module's parameters then buffers, under `prefix` + their module names.
NamedTensors named(const torch::nn::Module& m, const std::string& prefix);

class GanModel {
 public:
  GanModel(GanConfig config, torch::Device device, uint64_t seed);

  const GanConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  const TrainingState& training_state() const { return state_; }
  int64_t parameter_count() const;

  // Held-out images (and their labels, for a conditional GAN) measured after each epoch.
  struct Validation {
    torch::Tensor images, labels;
  };
  // images [N, C, H, W] (uint8, or float in G's output range); labels [N]
  // int64 in [0, num_classes) for a conditional GAN, undefined otherwise.
  // With validation images, each epoch event carries validate()'s losses.
  void fit(const torch::Tensor& images, const torch::Tensor& labels, const GanFitOptions& options,
           const FitHooks& hooks, const Validation& validation = {});
  // n samples (from the EMA of G when enabled), in [0, 1] for image outputs;
  // `labels` [n] for a conditional GAN. BatchNorm uses its running statistics,
  // or with `batch_stats` the statistics of the n samples themselves.
  torch::Tensor sample(int64_t n, uint64_t seed, const torch::Tensor& labels, bool batch_stats = false);
  // G's images for given latent codes z [N, latentDim] (interpolation, traversal).
  torch::Tensor generate(const torch::Tensor& z, const torch::Tensor& labels, bool batch_stats = false);
  // GAN inversion and restoration by latent search (latent_search.h) through
  // G (its moving average when kept; BatchNorm on running statistics), from
  // random starts. images [N, C, H, W] in [0, 1]; mask [N, 1|C, H, W], 1 =
  // known, or undefined; labels as for generate(). CPU results.
  LatentSearchResult search(const torch::Tensor& images, const torch::Tensor& mask, const torch::Tensor& labels,
                            const LatentSearchOptions& options, const std::function<bool()>& cancelled);
  // D's logits for images (in the data's own range, as fit takes them).
  torch::Tensor discriminate(const torch::Tensor& images, const torch::Tensor& labels);

  // "generator.*", "discriminator.*", "generator_ema.*" (parameters and
  // buffers), and with `optimizer` "optim_g.*", "optim_d.*" and "rng.*".
  NamedTensors export_state(bool optimizer);
  void import_state(const NamedTensors& tensors, const TrainingState& state);

 private:
  // One D step's inputs: the batch's rows of the training set and its noise
  // (gp_eps: WGAN-GP's mixing weights, when used).
  struct CriticInput {
    torch::Tensor idx, z, gp_eps;
  };
  // Images as the networks take them: floats, on [-1, 1] for a tanh G.
  torch::Tensor prepare_images(const torch::Tensor& images) const;
  // The training set as it stays on the device (uint8 stays uint8), and a
  // gathered batch of it as prepare_images would give it.
  torch::Tensor resident_images(const torch::Tensor& images) const;
  torch::Tensor batch_images(const torch::Tensor& batch) const;
  torch::Tensor prepare_labels(const torch::Tensor& labels, int64_t n) const;
  // The inputs of one training step (n_critic batches of `order` and their
  // noise), in the order the run's random streams have always been drawn;
  // sets epoch_done when a batch ends an epoch.
  std::vector<CriticInput> next_inputs(BatchOrder& order, bool* epoch_done);
  // One G step after n_critic D steps on given inputs; device work only, so it
  // can be captured in a CUDA graph. False when the guard dropped any of them.
  // parts_out: {dLoss, gLoss, dReal, dFake, gradNormD, gradNormG}, detached.
  bool train_step(const torch::Tensor& data, const torch::Tensor& labels, const std::vector<CriticInput>& inputs,
                  Precision precision, NanGuard& guard, std::vector<torch::Tensor>& parts_out);
  torch::Tensor clip(std::vector<torch::Tensor> params) const;  // total grad norm before clipping
  void update_ema();
  void check_weights_finite() const;
  // D's and G's losses on held-out reals and as many fakes of G (not its
  // moving average; eval mode, nothing updated): {dLoss, gLoss, dReal, dFake}.
  std::map<std::string, double> validate(const torch::Tensor& data, const torch::Tensor& labels);
  static constexpr int64_t kValidationBatch = 500;

  GanConfig config_;
  GanLoss loss_;
  torch::Device device_;
  std::shared_ptr<Generator> g_, g_ema_;
  std::shared_ptr<Discriminator> d_;
  std::unique_ptr<Adam> opt_g_, opt_d_;
  at::Generator rng_, noise_;
  TrainingState state_;
  bool channels_last_ = false;             // conv weights and batches NHWC (CUDA only, accel.h)
  const ParallelFit* parallel_ = nullptr;  // during a data-parallel fit only
};

}  // namespace gentorch
