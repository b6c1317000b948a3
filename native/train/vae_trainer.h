// The VAE and its training loop. Loss per image (nats):
//   reconstruction  -log p(x|z)  (Bernoulli: summed BCE; Gaussian: summed squared error)
// + beta * KL(q(z|x) || N(0, I)) in closed form,
// with z = mu + sigma * eps (the reparameterisation trick).
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../models/vae.h"
#include "accel.h"
#include "adam.h"
#include "hooks.h"
#include "latent_search.h"
#include "nan_guard.h"
#include "parallel.h"
#include "step_graph.h"

namespace gentorch {

/// Everything that defines a VAE; mirrored 1:1 by VaeConfig in lib/config/vae.ts
/// (defaults held equal by test/native/defaults.test.ts; fields read by native/binding/fields.h).
struct VaeConfig {
  VaeNetOptions net;
  /// "bernoulli" (summed BCE, data in [0,1]) or "gaussian" (summed squared error).
  std::string likelihood = "bernoulli";
  /// Weight of the KL term (1 is the true ELBO; >1 is the beta-VAE).
  double beta = 1.0;
  /// Decoder mean: "sigmoid" (images in [0,1]) or "linear" (any real data; Gaussian only).
  std::string output = "sigmoid";
};

/// Options of one fit() call; mirrored by FitConfig in lib/config/fit.ts (FIT_DEFAULTS).
struct VaeFitOptions {
  /// Epochs to train in this call (a partly done epoch counts as one).
  TORCH_ARG(int64_t, epochs) = 10;
  /// Steps to train instead of epochs, crossing epoch ends (0: by epochs).
  TORCH_ARG(int64_t, steps) = 0;
  TORCH_ARG(int64_t, batch_size) = 128;
  /// Adam learning rate.
  TORCH_ARG(double, lr) = 1e-3;
  /// Steps between progress events (and loss read-backs).
  TORCH_ARG(int64_t, progress_every) = 50;
  /// Steps between checkpoint hooks; 0 for none.
  TORCH_ARG(int64_t, checkpoint_every) = 0;
  /// epochs and steps count from the run's start, not this call's: a resumed
  /// fit trains only what is left (the CLI's --epochs / --steps). With data
  /// parallelism every rank then agrees, once rank 0's state has reached it.
  TORCH_ARG(bool, totals) = false;
  /// "auto" (bf16 autocast for the conv VAE on CUDA), "float32" or "bfloat16" (accel.h).
  TORCH_ARG(std::string, precision) = "auto";
  /// A NaN or infinite step: "stop" with E_NUMERIC, or "skip" it (nan_guard.h).
  TORCH_ARG(std::string, on_nan) = "stop";
  /// "auto" (CUDA graphs for the MLP VAE on CUDA), "on" or "off" (step_graph.h).
  TORCH_ARG(std::string, cuda_graphs) = "auto";
};

/// Per-image averages in nats.
struct VaeLosses {
  double loss = 0, recon = 0, kl = 0;
};

class VaeModel {
 public:
  VaeModel(VaeConfig config, torch::Device device, uint64_t seed);

  const VaeConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  const TrainingState& training_state() const { return state_; }
  int64_t parameter_count() const;

  // Trains on images [N, C, H, W] (uint8 0..255 or float in [0,1]); with
  // `validation` images, their losses go into each epoch event (validate()).
  void fit(const torch::Tensor& images, const VaeFitOptions& options, const FitHooks& hooks,
           const torch::Tensor& validation = {});
  // Negative ELBO per image and its parts (beta = 1), one z sample per image.
  VaeLosses evaluate(const torch::Tensor& images, int64_t batch_size);
  // The importance-weighted bound on -log p(x) per image (Burda et al. 2016),
  // k samples of z ~ q(z|x) each: -mean log (1/k sum_i p(x|z_i) p(z_i) / q(z_i|x)).
  // k = 1 is a negative ELBO; it tightens (falls) as k grows. Same
  // likelihood convention as the training loss (Gaussian: summed squares).
  double iwae(const torch::Tensor& images, int64_t k);

  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& images);  // mu, logvar
  torch::Tensor decode(const torch::Tensor& z);                                 // means in [0,1]
  torch::Tensor reconstruct(const torch::Tensor& images);                       // decode(mu)
  torch::Tensor sample(int64_t n, uint64_t seed);
  // Decodes `steps` points on the line between the latent means of images a and b.
  torch::Tensor interpolate(const torch::Tensor& a, const torch::Tensor& b, int64_t steps);
  // Restoration by latent search (latent_search.h) through the decoder's
  // means, from the encoder's code of the damaged images (unknown pixels
  // zeroed) and random starts. images [N, C, H, W] in [0, 1]; mask [N, 1|C,
  // H, W], 1 = known, or undefined. CPU results.
  LatentSearchResult search(const torch::Tensor& images, const torch::Tensor& mask, const LatentSearchOptions& options,
                            const std::function<bool()>& cancelled);

  // Weights under their module names ("fc1.weight"), and with `optimizer`
  // Adam's moments under "optim.<name>.exp_avg|exp_avg_sq" and the random
  // streams under "rng.cpu" / "rng.noise". CPU copies.
  NamedTensors export_state(bool optimizer);
  void import_state(const NamedTensors& tensors, const TrainingState& state);

 private:
  torch::Tensor to_device_images(const torch::Tensor& images, const char* what) const;
  torch::Tensor mean_of(const torch::Tensor& logits) const;  // the decoder's mean of p(x|z)
  torch::Tensor recon_loss(const torch::Tensor& logits, const torch::Tensor& x) const;
  // The reparameterisation noise of a batch of `rows` (data-parallel: this
  // rank's rows of the global batch's), from the run's noise stream.
  torch::Tensor draw_eps(int64_t rows);
  // One optimizer step on batch x with noise eps; device work only, so it can
  // be captured in a CUDA graph. False when the guard dropped it (NaN/Inf).
  // losses_out: the summed {loss, recon, kl} of the batch, detached.
  bool train_step(const torch::Tensor& x, const torch::Tensor& eps, Precision precision, NanGuard& guard,
                  std::vector<torch::Tensor>& losses_out);
  void check_weights_finite() const;  // E_NUMERIC naming the tensor and step
  // evaluate() on images already resident on the device (uint8 or float).
  VaeLosses evaluate_resident(const torch::Tensor& data, int64_t batch_size);
  // The epoch's validation losses {loss (recon + beta * kl), recon, kl}: as
  // evaluate() with its default batch, so the two agree; back in train mode after.
  std::map<std::string, double> validate(const torch::Tensor& data);
  static constexpr int64_t kValidationBatch = 1000;  // lib/models/vae.ts evaluate()'s default

  VaeConfig config_;
  torch::Device device_;
  std::shared_ptr<VaeNet> net_;
  std::unique_ptr<Adam> optimizer_;
  bool channels_last_ = false;             // conv weights and batches NHWC (CUDA only, accel.h)
  const ParallelFit* parallel_ = nullptr;  // during a data-parallel fit only
  // The run's random stream, continued from libtorch's CPU generator right
  // after weight initialisation: data order and noise draw from it exactly
  // as pytorch/examples' loop does after torch.manual_seed(seed), so a seed
  // means the same run in both. Saved in checkpoints for exact resume.
  at::Generator rng_;
  at::Generator noise_;  // rng_ on the CPU; a CUDA generator seeded from it on a GPU
  TrainingState state_;
};

}  // namespace gentorch
