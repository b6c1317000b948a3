// The text VAE and its training loop (Bowman et al. 2016). Loss per string
// (nats), summed over its characters and its EOS (PAD masked out):
//   reconstruction  -log p(x|z)  (the decoder's cross-entropy, teacher-forced)
// + beta_t * KL(q(z|x) || N(0, I)) in closed form, z = mu + sigma * eps,
// with beta_t rising linearly from 0 to beta over klWarmupSteps optimizer
// steps (KL annealing), and with charDropout of the decoder's input
// characters replaced by UNK: both against posterior collapse, where the
// decoder learns to ignore z.
#pragma once

#include <torch/torch.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "../models/text_vae.h"
#include "adam.h"
#include "hooks.h"
#include "nan_guard.h"
#include "vae_trainer.h"

namespace gentorch {

/// Everything that defines a text VAE; mirrored 1:1 by TextVaeConfig in lib/config/text-vae.ts
/// (defaults held equal by test/native/defaults.test.ts; fields read by native/binding/fields.h).
struct TextVaeConfig {
  TextVaeNetOptions net;
  /// Weight of the KL term once warmed up (1 is the true ELBO).
  double beta = 1.0;
  /// Optimizer steps over which beta_t rises linearly from 0 to beta (0: beta from the start).
  int64_t kl_warmup_steps = 2000;
  /// Probability of replacing each input character of the decoder by UNK while training.
  double char_dropout = 0.25;
  /// Largest global gradient norm; larger gradients are scaled down (0: no clipping).
  double clip_grad = 5.0;
  /// The n-gram feature rows' learning rate over the fit's lr (rare contexts get few updates).
  double ngram_lr_scale = 0.2;
};

/// A fit's options are the image VAE's (VaeFitOptions; lib/config/fit.ts FitConfig).
using TextVaeFitOptions = VaeFitOptions;

/// Per-string measures of some lines, nats unless named otherwise.
struct TextVaeEvaluation {
  double nelbo = 0, recon = 0, kl = 0;  // negative ELBO (beta = 1) and its parts, one z per string
  double iwae = 0;                      // the importance-weighted bound on -log p(x), k samples
  int64_t strings = 0, tokens = 0;      // tokens: characters plus one EOS per string
  int64_t active_units = 0;             // latent dimensions whose mu varies over the data by > 0.01
  std::vector<double> mu_variance;      // Var over the data of each mu_d
};

class TextVaeModel {
 public:
  TextVaeModel(TextVaeConfig config, torch::Device device, uint64_t seed);

  const TextVaeConfig& config() const { return config_; }
  torch::Device device() const { return device_; }
  const TrainingState& training_state() const { return state_; }
  int64_t parameter_count() const;

  // Trains on token rows [N, maxLength + 1] (lib/data/vocabulary.ts encode);
  // with `validation` rows, their losses go into each epoch event.
  void fit(const torch::Tensor& tokens, const TextVaeFitOptions& options, const FitHooks& hooks,
           const torch::Tensor& validation = {});
  // The negative ELBO and the IWAE bound with k samples per string
  // (seeded: the same numbers for the same weights), strings in chunks.
  TextVaeEvaluation evaluate(const torch::Tensor& tokens, int64_t k);
  // mu, logvar of q(z|x): [N, latent] each, CPU.
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& tokens);
  // Token rows [N, max_length + 1] (characters, EOS, PAD) decoded from z
  // [N, latent]: ancestral sampling at `temperature` from `seed`'s stream,
  // greedy at temperature 0; at most max_length characters each.
  torch::Tensor decode(const torch::Tensor& z, double temperature, int64_t max_length, uint64_t seed);
  // n codes z ~ N(0, I) from `seed` decoded as above.
  torch::Tensor sample(int64_t n, double temperature, int64_t max_length, uint64_t seed);
  // decode(mu(x)) greedily.
  torch::Tensor reconstruct(const torch::Tensor& tokens);
  // Repair by latent search: rows whose UNK ids mark unknown characters
  // (length and every other character known) get each UNK filled. Each round
  // encodes the current rows to z = mu(x), decodes them greedily with every
  // known character forced (teacher-forced) and each unknown one the
  // likeliest, then sweeps the holes once (sweep()); of the rounds' rows,
  // each keeps the one of lowest -log p(x|z) - log p(z) (nats, constants dropped).
  torch::Tensor repair(const torch::Tensor& tokens, int64_t rounds);

  // Weights under their module names, and with `optimizer` Adam's moments
  // and the random streams, as VaeModel's (vae_trainer.h).
  NamedTensors export_state(bool optimizer);
  void import_state(const NamedTensors& tensors, const TrainingState& state);

 private:
  // Checked token rows as int64 on the device, and their lengths (characters + EOS) on the CPU (text_tokens.h).
  std::pair<torch::Tensor, torch::Tensor> checked_tokens(const torch::Tensor& tokens, const char* what) const;
  // beta_t of the optimizer step after `steps_done` steps.
  double beta_at(int64_t steps_done) const;
  // A batch's decoder inputs (BOS, characters; with dropout and `noise`
  // some characters UNK).
  torch::Tensor decoder_inputs(const torch::Tensor& rows, double dropout, const RowNoise* noise = nullptr) const;
  // Summed cross-entropy over each string's non-PAD targets: [B].
  torch::Tensor recon_per_string(const torch::Tensor& logits, const torch::Tensor& targets) const;
  bool train_step(const torch::Tensor& rows, const torch::Tensor& lengths, double beta, NanGuard& guard,
                  std::vector<torch::Tensor>& losses_out);
  // {recon, kl} summed over rows with one z each from `gen`.
  std::pair<double, double> elbo_sums(const torch::Tensor& data, const torch::Tensor& lengths, at::Generator& gen);
  // Summed over rows: -log of the IWAE bound, the reconstruction term
  // averaged over the bound's k draws, and the KL in closed form.
  struct IwaeSums {
    double iwae, recon, kl;
  };
  IwaeSums iwae_sums(const torch::Tensor& data, const torch::Tensor& lengths, int64_t k, at::Generator& gen);
  std::map<std::string, double> validate(const torch::Tensor& data, const torch::Tensor& lengths);
  torch::Tensor generate(const torch::Tensor& z, double temperature, int64_t max_length, at::Generator& gen);
  // repair()'s decoding: rows [B, w] with UNK where unknown, filled under z.
  torch::Tensor fill(const torch::Tensor& rows, const torch::Tensor& z);
  // One sweep of coordinate ascent: position by position, each hole takes the
  // character that makes its whole row likeliest under z (right context too).
  torch::Tensor sweep(const torch::Tensor& rows, const torch::Tensor& holes, const torch::Tensor& z);

  TextVaeConfig config_;
  torch::Device device_;
  TextVaeNet net_{nullptr};
  std::unique_ptr<Adam> optimizer_;
  at::Generator rng_;    // data order and noise, saved in checkpoints (as VaeModel's)
  at::Generator noise_;  // rng_ on the CPU; a device generator seeded from it on a GPU
  TrainingState state_;
  const ParallelFit* parallel_ = nullptr;  // during a data-parallel fit only
};

}  // namespace gentorch
