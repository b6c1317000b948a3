// Image-to-image models for a paired task (paired_tasks.h), three families
// on the same U-Net (unet.h), so that what differs is the objective alone:
//   regressor  U(x) trained on L1 alone: the faithful, blurry baseline.
//   gan        pix2pix (Isola et al. 2017): each step a PatchGAN D step on
//              (input, target) against (input, U(x)), then a U step on the
//              adversarial loss (the GAN family's, gan_losses.h) plus
//              l1_weight * L1. Its only noise is dropout, as pix2pix's.
//   vae        a conditional VAE: q(z | input, target) by a small encoder,
//              the U-Net as decoder p(target | input, z) with z scaling and
//              shifting the channels of its bottleneck and decoder levels
//              (FiLM, unet.h), a standard normal prior p(z) = N(0, I)
//              (stated, as BicycleGAN's cVAE does), loss per image = summed
//              L1 (a Laplace likelihood of scale 1, up to constants) + beta *
//              KL; beta 0.1 by default (at 1 the decoder ignored z).
//              Applying it draws z ~ N(0, I): several draws, several outputs.
// Each step draws new damage of the batch's targets (unless the task is
// "pairs", whose inputs are the user's).
#pragma once

#include <torch/torch.h>

#include <memory>
#include <string>
#include <vector>

#include "../models/unet.h"
#include "accel.h"
#include "adam.h"
#include "gan_losses.h"
#include "hooks.h"
#include "nan_guard.h"
#include "parallel.h"
#include "paired_tasks.h"

namespace gentorch {

/// Everything that defines a Translator; mirrored by TranslatorConfig in lib/config/translate.ts.
struct TranslatorConfig {
  PairedTaskOptions task;
  /// "regressor", "gan" or "vae".
  std::string family = "gan";
  /// The targets' shape.
  int64_t channels = 1, height = 28, width = 28;
  /// Input channels of a "pairs" task (others derive theirs from the task); 0: the targets'.
  int64_t input_channels = 0;
  /// U-Net base features and levels; PatchGAN and encoder features.
  int64_t features = 32, depth = 2, d_features = 64;
  /// gan: dropout in the U-Net's decoder (pix2pix's 0.5), the adversarial loss and the L1 weight.
  double dropout = 0.5;
  std::string gan_loss = "ns";
  double l1_weight = 100.0;
  /// vae: the code's dimension and the KL weight (lib/config/translate.ts says why 0.1).
  int64_t latent_dim = 8;
  double beta = 0.1;
};

/// Options of one fit() call; mirrored by TranslatorFitConfig in lib/config/translate.ts.
struct TranslatorFitOptions {
  TORCH_ARG(int64_t, epochs) = 10;
  TORCH_ARG(int64_t, steps) = 0;
  TORCH_ARG(int64_t, batch_size) = 64;
  /// Adam's step size for every network: 2e-3, ten times pix2pix's 2e-4, which
  /// trains for 200 epochs; measured on superres x2 over 300 steps, 2e-4 left
  /// the GAN and the VAE 5 to 7 dB below bicubic and 2e-3 put every family
  /// 3.6 to 4.5 dB above it.
  TORCH_ARG(double, lr) = 2e-3;
  TORCH_ARG(double, beta1) = 0.5;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(int64_t, progress_every) = 50;
  TORCH_ARG(int64_t, checkpoint_every) = 0;
  TORCH_ARG(bool, totals) = false;
  TORCH_ARG(std::string, precision) = "auto";
  TORCH_ARG(std::string, on_nan) = "stop";
  TORCH_ARG(std::string, cuda_graphs) = "off";
};

class TranslatorModel {
 public:
  TranslatorModel(TranslatorConfig config, torch::Device device, uint64_t seed);

  const TranslatorConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  const TrainingState& training_state() const { return state_; }
  int64_t parameter_count() const;
  // The shape [C, H, W] of one input as the user gives it (a superres input at low resolution).
  std::array<int64_t, 3> input_shape() const;

  // Trains on targets [N, C, H, W] (uint8 or floats in [0, 1]); `inputs`
  // [N, ...input_shape] for the "pairs" task, undefined otherwise.
  void fit(const torch::Tensor& targets, const torch::Tensor& inputs, const TranslatorFitOptions& options,
           const FitHooks& hooks);
  // Outputs [N, C, H, W] in [0, 1] for inputs [N, ...input_shape]; the VAE
  // draws z ~ N(0, I) from `seed` (samples: so many outputs per input,
  // [N * samples, ...] input-major). The regressor and the GAN give one.
  // Inpainting keeps the known pixels (mask 1) and fills only the holes.
  torch::Tensor apply(const torch::Tensor& inputs, int64_t samples, uint64_t seed);
  // The task's inputs of targets, with damage drawn from `seed` (held-out inputs; CPU).
  torch::Tensor make_inputs(const torch::Tensor& targets, uint64_t seed);
  // The task's classic baseline of inputs (bicubic for superres; CPU), undefined where it has none.
  torch::Tensor baseline(const torch::Tensor& inputs);

  // "unet.*", "discriminator.*" (gan), "encoder.*" (vae); with `optimizer`
  // "optim_u.*", "optim_d.*" and "rng.*".
  NamedTensors export_state(bool optimizer);
  void import_state(const NamedTensors& tensors, const TrainingState& state);

 private:
  torch::Tensor check_inputs(const torch::Tensor& inputs, const char* what) const;
  // One step on targets y and inputs x (full size for the U-Net); losses_out: summed per-image values.
  bool train_step(const torch::Tensor& x, const torch::Tensor& y, Precision precision, NanGuard& guard,
                  std::vector<torch::Tensor>& losses_out);
  std::vector<std::string> loss_names() const;
  void check_weights_finite() const;

  TranslatorConfig config_;
  GanLoss loss_;
  torch::Device device_;
  UNet unet_{nullptr};
  PatchDiscriminator d_{nullptr};
  PairEncoder encoder_{nullptr};
  std::unique_ptr<Adam> opt_u_, opt_d_;
  at::Generator rng_, noise_;
  TrainingState state_;
  const ParallelFit* parallel_ = nullptr;
};

}  // namespace gentorch
