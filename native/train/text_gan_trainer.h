// The text GAN and its training loop: WGAN-GP over the generator's softmax
// outputs (Gulrajani et al. 2017, their character language model). Real
// lines are one-hot rows [B, vocab, W]; G's rows are distributions over the
// vocabulary at each position, so the critic's score is differentiable in G's
// weights and no sampling step sits between them: no reinforcement learning,
// no Gumbel-softmax. Each step, on fresh batches and noise:
//   n_critic times:  L_D = D(G(z)) - D(x) + lambda * (|grad D(x_hat)|_2 - 1)^2,
//                    x_hat = eps * x + (1 - eps) * G(z), eps ~ U[0, 1) per row
//   then once:       L_G = -D(G(z))
// (batch means), Adam on each network. The critic's D(x) - D(G(z)) estimates
// the Wasserstein-1 distance between the data and G's rows.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../models/text_gan.h"
#include "adam.h"
#include "fit_loop.h"
#include "hooks.h"
#include "nan_guard.h"

namespace gentorch {

/// Everything that defines a text GAN; mirrored 1:1 by TextGanConfig in lib/config/text-gan.ts
/// (defaults held equal by test/native/defaults.test.ts; fields read by native/binding/fields.h).
struct TextGanConfig {
  TextGanNetOptions net;
  /// Weight of the gradient penalty (the paper's 10).
  double gp_lambda = 10.0;
  /// Critic steps per generator step, each on a fresh batch (the paper's code used 10).
  int64_t n_critic = 5;
};

/// Options of one fit() call; mirrored by TextGanFitConfig in lib/config/text-gan.ts (TEXT_GAN_FIT_DEFAULTS).
struct TextGanFitOptions {
  /// Epochs of critic batches in this call, or, when steps > 0, this many generator steps.
  TORCH_ARG(int64_t, epochs) = 10;
  TORCH_ARG(int64_t, steps) = 0;
  /// Lines per critic batch and codes per generator batch.
  TORCH_ARG(int64_t, batch_size) = 64;
  /// Adam's learning rate and betas for both networks (the paper's).
  TORCH_ARG(double, lr) = 1e-4;
  TORCH_ARG(double, beta1) = 0.5;
  TORCH_ARG(double, beta2) = 0.9;
  TORCH_ARG(int64_t, progress_every) = 50;
  TORCH_ARG(int64_t, checkpoint_every) = 0;
  /// epochs and steps count from the run's start, not this call's (as VaeFitOptions).
  TORCH_ARG(bool, totals) = false;
  /// "auto" or "float32" (float32 everywhere; bfloat16 is E_CONFIG: the penalty's second derivatives).
  TORCH_ARG(std::string, precision) = "auto";
  /// A NaN or infinite step: "stop" with E_NUMERIC, or "skip" it (nan_guard.h).
  TORCH_ARG(std::string, on_nan) = "stop";
  /// "auto" or "off" (no CUDA graphs for this loop; "on" is E_CONFIG).
  TORCH_ARG(std::string, cuda_graphs) = "auto";
};

/// Options of invert(); mirrored by TEXT_INVERT_DEFAULTS in lib/config/text-gan.ts.
struct TextInversionOptions {
  int64_t steps = 200;  // Adam steps on z
  double lr = 0.05;     // Adam's step size on z
  int64_t seed = 1;     // of the starting codes z ~ N(0, I)
};

struct TextInversion {
  torch::Tensor z;       // [N, latent] the codes found
  torch::Tensor loss;    // [N] the final mean cross-entropy per known position, nats
  torch::Tensor filled;  // [N, W] int32: the rows with each unknown position set to G's likeliest character
};

class TextGanModel {
 public:
  TextGanModel(TextGanConfig config, torch::Device device, uint64_t seed);

  const TextGanConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  const TrainingState& training_state() const { return state_; }
  int64_t parameter_count() const;

  // Trains on token rows [N, maxLength + 1] (text_tokens.h); with
  // `validation` rows, each epoch event carries the critic's estimate on them.
  void fit(const torch::Tensor& tokens, const TextGanFitOptions& options, const FitHooks& hooks,
           const torch::Tensor& validation = {});
  // G's probabilities [N, vocab, W] for codes z [N, latent] (CPU).
  torch::Tensor probabilities(const torch::Tensor& z);
  // Token rows [N, W] int32 decoded from z: the likeliest id at each position;
  // a row's string is the characters before the first EOS or PAD (position
  // maxLength always ends it), BOS and UNK among them dropped; then EOS, PAD.
  torch::Tensor decode(const torch::Tensor& z);
  // n codes z ~ N(0, I) from `seed` decoded as above.
  torch::Tensor sample(int64_t n, uint64_t seed);
  // GAN inversion: for each row of `tokens` (token rows, unknown positions
  // any character id), the code z minimising G's mean cross-entropy over the
  // positions where `known` [N, W] is 1 (Adam on z from N(0, I) starts).
  // cancelled is polled between steps (E_ABORTED).
  TextInversion invert(const torch::Tensor& tokens, const torch::Tensor& known, const TextInversionOptions& options,
                       const std::function<bool()>& cancelled);

  // "generator.*", "discriminator.*" (the critic, named as the image GAN's), and with
  // `optimizer` "optim_g.*", "optim_d.*" and "rng.*".
  NamedTensors export_state(bool optimizer);
  void import_state(const NamedTensors& tensors, const TrainingState& state);

 private:
  // One critic step's inputs: the batch's rows, its codes and its mixing weights.
  struct CriticInput {
    torch::Tensor idx, z, eps;
  };
  std::pair<torch::Tensor, torch::Tensor> checked_tokens(const torch::Tensor& tokens, const char* what) const;
  // Token rows [B, W] as one-hot distributions [B, vocab, W].
  torch::Tensor one_hot(const torch::Tensor& rows) const;
  torch::Tensor rows_of(const torch::Tensor& ids) const;  // likeliest ids [N, W] -> token rows, int32 CPU
  std::vector<CriticInput> next_inputs(BatchOrder& order, int64_t batch_size, bool* epoch_done);
  // n_critic critic steps then one generator step; losses_out: {dLoss, gLoss,
  // wasserstein, gp}, the critic's as means over its steps. False when the guard dropped any.
  bool train_step(const torch::Tensor& data, const std::vector<CriticInput>& inputs, NanGuard& guard,
                  std::vector<torch::Tensor>& losses_out);
  std::map<std::string, double> validate(const torch::Tensor& data);

  TextGanConfig config_;
  torch::Device device_;
  TextGenerator g_{nullptr};
  TextCritic d_{nullptr};
  std::unique_ptr<Adam> opt_g_, opt_d_;
  at::Generator rng_;    // data order and noise, saved in checkpoints (as GanModel's)
  at::Generator noise_;  // rng_ on the CPU; a device generator seeded from it on a GPU
  TrainingState state_;
  const ParallelFit* parallel_ = nullptr;  // during a data-parallel fit only
};

}  // namespace gentorch
