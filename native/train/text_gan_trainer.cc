#include "text_gan_trainer.h"

#include <algorithm>
#include <cmath>

#include "../core/error.h"
#include "checkpoint_state.h"
#include "frozen_parameters.h"
#include "gan_losses.h"
#include "images.h"
#include "seeding.h"
#include "text_tokens.h"

namespace gentorch {

namespace F = torch::nn::functional;

namespace {
// Codes decoded, scored or inverted at a time.
constexpr int64_t kChunk = 256;

NamedTensors parameters_of(const torch::nn::Module& m, const std::string& prefix = "") {
  NamedTensors out;
  for (const auto& p : m.named_parameters()) out.emplace_back(prefix + p.key(), p.value());
  return out;
}
}  // namespace

TextGanModel::TextGanModel(TextGanConfig config, torch::Device device, uint64_t seed)
    : config_(std::move(config)), device_(device) {
  // The rules on values are lib/config/text-gan.ts's; here what would break the loop.
  if (config_.n_critic < 1) fail("E_CONFIG", "Expected positive integer for nCritic but received ", config_.n_critic);
  if (!(config_.gp_lambda >= 0) || !std::isfinite(config_.gp_lambda))
    fail("E_CONFIG", "Expected a finite non-negative number for gpLambda but received ", config_.gp_lambda);
  check_text_gan_options(config_.net);
  rng_ = seeded_init(seed, [&]() {
    g_ = TextGenerator(config_.net);
    d_ = TextCritic(config_.net);
  });
  noise_ = device_.is_cpu() ? rng_ : make_generator(device_, mix_seed(seed, kNoiseStream, 0));
  g_->to(device_);
  d_->to(device_);
  state_.seed = seed;
  opt_g_ = std::make_unique<Adam>(parameters_of(*g_), AdamOptions());
  opt_d_ = std::make_unique<Adam>(parameters_of(*d_), AdamOptions());
}

int64_t TextGanModel::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : g_->parameters()) n += p.numel();
  for (const auto& p : d_->parameters()) n += p.numel();
  return n;
}

std::pair<torch::Tensor, torch::Tensor> TextGanModel::checked_tokens(const torch::Tensor& tokens,
                                                                     const char* what) const {
  return gentorch::checked_tokens(tokens, config_.net.max_length(), config_.net.vocab_size(), what, device_);
}

torch::Tensor TextGanModel::one_hot(const torch::Tensor& rows) const {
  return F::one_hot(rows, config_.net.vocab_size()).permute({0, 2, 1}).to(torch::kFloat32);
}

std::vector<TextGanModel::CriticInput> TextGanModel::next_inputs(BatchOrder& order, int64_t batch_size,
                                                                 bool* epoch_done) {
  std::vector<CriticInput> out;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device_);
  // Data-parallel: the global batch's noise, this rank's rows (parallel.h).
  const RowNoise noise = batch_noise(parallel_, noise_);
  for (int64_t k = 0; k < config_.n_critic; ++k) {
    CriticInput in;
    in.idx = order.next(state_, rng_, epoch_done);
    in.z = noise.randn({in.idx.size(0), config_.net.latent_dim()}, opts);
    in.eps = noise.rand({in.idx.size(0), 1, 1}, opts);
    out.push_back(std::move(in));
  }
  // The generator's own codes, a full batch of them, drawn last.
  out.push_back({torch::Tensor(), noise.randn({batch_size, config_.net.latent_dim()}, opts), torch::Tensor()});
  return out;
}

bool TextGanModel::train_step(const torch::Tensor& data, const std::vector<CriticInput>& inputs, NanGuard& guard,
                              std::vector<torch::Tensor>& losses_out) {
  const auto zero = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat32).device(device_));
  torch::Tensor d_sum = zero, w_sum = zero, gp_sum = zero;
  bool admitted = true;
  const size_t critic_steps = inputs.size() - 1;
  for (size_t k = 0; k < critic_steps; ++k) {
    const CriticInput& in = inputs[k];
    auto real = one_hot(data.index_select(0, in.idx));
    torch::Tensor fake;
    {
      torch::NoGradGuard no_grad;  // the critic's step needs G's rows, not G's graph
      fake = g_->forward(in.z);
    }
    auto d_real = d_->forward(real).mean(), d_fake = d_->forward(fake).mean();
    auto critic = [&](const torch::Tensor& x) { return d_->forward(x); };
    auto gp = config_.gp_lambda > 0 ? gradient_penalty(critic, real, fake, in.eps) : zero;
    auto d_loss = d_fake - d_real + config_.gp_lambda * gp;
    opt_d_->zero_grad();
    d_loss.backward();
    // The data-parallel seam: mean losses, so gradients are averaged over ranks.
    if (parallel_) parallel_->reduce_gradients(d_->parameters(), 1.0 / parallel_->world());
    if (guard.admit(d_loss, d_->parameters(), state_.step + 1)) {
      opt_d_->step();
    } else {
      opt_d_->zero_grad();
      admitted = false;
    }
    d_sum = d_sum + d_loss.detach();
    w_sum = w_sum + (d_real - d_fake).detach();
    gp_sum = gp_sum + gp.detach();
  }
  torch::Tensor g_loss;
  {
    FrozenParameters frozen(d_->parameters());
    g_loss = -d_->forward(g_->forward(inputs.back().z)).mean();
    opt_g_->zero_grad();
    g_loss.backward();
  }
  if (parallel_) parallel_->reduce_gradients(g_->parameters(), 1.0 / parallel_->world());
  if (guard.admit(g_loss, g_->parameters(), state_.step + 1)) {
    opt_g_->step();
  } else {
    opt_g_->zero_grad();
    admitted = false;
  }
  const double n = static_cast<double>(critic_steps);
  losses_out = {d_sum / n, g_loss.detach(), w_sum / n, gp_sum / n};
  return admitted;
}

void TextGanModel::fit(const torch::Tensor& tokens, const TextGanFitOptions& o, const FitHooks& hooks,
                       const torch::Tensor& validation) {
  if (o.precision() == "bfloat16")
    fail("E_CONFIG", "Expected precision auto or float32 for a TextGAN but received \"bfloat16\"");
  if (o.cuda_graphs() == "on") fail("E_CONFIG", "Expected cudaGraphs auto or off for a TextGAN but received \"on\"");
  if (!(o.lr() > 0)) fail("E_CONFIG", "Expected positive number for lr but received ", o.lr());
  if (!(o.beta1() >= 0 && o.beta1() < 1)) fail("E_CONFIG", "Expected beta1 in [0, 1) but received ", o.beta1());
  if (!(o.beta2() >= 0 && o.beta2() < 1)) fail("E_CONFIG", "Expected beta2 in [0, 1) but received ", o.beta2());
  // Convolutional: a CPU fit uses every core (FitLoop's precision is not
  // read here: both networks always run in float32).
  FitLoop loop(fit_plan(o), hooks, device_, true);
  auto data = checked_tokens(tokens, "training tokens").first;
  torch::Tensor val;
  if (validation.defined()) val = checked_tokens(validation, "validation tokens").first;
  loop.start({g_.get(), d_.get()}, {opt_g_.get(), opt_d_.get()}, state_, rng_, device_.is_cpu() ? nullptr : &noise_,
             {"dLoss", "gLoss", "wasserstein", "gp"}, false);
  // One rank of a data-parallel job: rank 0's state everywhere, then a shard of each epoch.
  const ParallelScope scope(parallel_, loop.parallel());
  BatchOrder order(data.size(0), o.batch_size(), loop.parallel(), device_);
  opt_g_->options().lr(o.lr()).beta1(o.beta1()).beta2(o.beta2());
  opt_d_->options().lr(o.lr()).beta1(o.beta1()).beta2(o.beta2());
  g_->train();
  d_->train();
  // G steps per epoch of critic batches; the meter counts steps (per-step means).
  const int64_t g_steps_per_epoch = (order.per_epoch() + config_.n_critic - 1) / config_.n_critic;
  const double lines_per_step = static_cast<double>(o.batch_size() * config_.n_critic);
  while (loop.running(state_)) {
    if (loop.stop_requested(state_)) break;  // also E_ABORTED when cancelled
    bool epoch_done = false;
    auto inputs = next_inputs(order, o.batch_size(), &epoch_done);
    std::vector<torch::Tensor> losses;
    if (train_step(data, inputs, loop.guard(), losses)) loop.meter().add(losses, 1, state_.step + 1);
    ++state_.step;
    loop.progress(state_, loop.last_step(state_, epoch_done), state_.epoch, state_.epoch_step, g_steps_per_epoch,
                  lines_per_step);
    loop.maybe_checkpoint(state_.step, [&]() {
      check_parameters_finite(*g_, "generator.", state_.step, "try a smaller lr");
      check_parameters_finite(*d_, "discriminator.", state_.step, "try a smaller lr");
    });
    if (epoch_done) {
      loop.epoch_event(state_, val.defined() ? validate(val) : std::map<std::string, double>());
      loop.meter().start_epoch();
    }
  }
  loop.finish();
}

std::map<std::string, double> TextGanModel::validate(const torch::Tensor& data) {
  torch::NoGradGuard no_grad;
  // The same codes at every epoch, from a stream of their own: the training
  // streams stay untouched and epochs differ by the weights alone.
  auto gen = make_generator(device_, mix_seed(state_.seed, kEvalStream, 2));
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device_);
  auto sums = torch::zeros({2}, opts.dtype(torch::kFloat64));
  const int64_t n = data.size(0);
  for (int64_t a = 0; a < n; a += kChunk) {
    const int64_t b = std::min(n, a + kChunk);
    auto z = at::randn({b - a, config_.net.latent_dim()}, gen, opts);
    auto real = d_->forward(one_hot(data.slice(0, a, b))).sum();
    auto fake = d_->forward(g_->forward(z)).sum();
    sums.add_(torch::stack({real, fake}).to(torch::kFloat64));
  }
  auto s = (sums / static_cast<double>(n)).cpu();
  const double real = s[0].item<double>(), fake = s[1].item<double>();
  // The training objectives without the penalty (it needs gradients).
  return {{"wasserstein", real - fake}, {"gLoss", -fake}};
}

torch::Tensor TextGanModel::probabilities(const torch::Tensor& z_in) {
  const int64_t d = config_.net.latent_dim();
  if (z_in.dim() != 2 || z_in.size(1) != d)
    fail("E_SHAPE", "Expected latent codes of shape [N, ", d, "] but received ", z_in.sizes());
  if (z_in.size(0) == 0) fail("E_DATA", "Expected at least one latent code but received none");
  if (!torch::isfinite(z_in).all().item<bool>()) fail("E_DATA", "Expected finite latent codes");
  torch::NoGradGuard no_grad;
  auto z = z_in.to(device_, torch::kFloat32);
  return in_chunks(z.size(0), [&](int64_t a, int64_t b) { return g_->forward(z.slice(0, a, b)); }, kChunk);
}

torch::Tensor TextGanModel::rows_of(const torch::Tensor& ids_in) const {
  auto ids = ids_in.to(torch::kCPU, torch::kInt64).contiguous();
  const int64_t n = ids.size(0), width = ids.size(1), max_length = config_.net.max_length();
  auto out = torch::full({n, width}, kPad, torch::TensorOptions().dtype(torch::kInt32));
  auto in_acc = ids.accessor<int64_t, 2>();
  auto out_acc = out.accessor<int32_t, 2>();
  for (int64_t r = 0; r < n; ++r) {
    int64_t len = 0;
    for (int64_t j = 0; j < max_length; ++j) {
      const int64_t id = in_acc[r][j];
      if (id == kEos || id == kPad) break;
      if (id >= kSpecials) out_acc[r][len++] = static_cast<int32_t>(id);  // BOS and UNK dropped
    }
    out_acc[r][len] = static_cast<int32_t>(kEos);
  }
  return out;
}

torch::Tensor TextGanModel::decode(const torch::Tensor& z) { return rows_of(probabilities(z).argmax(1)); }

torch::Tensor TextGanModel::sample(int64_t n, uint64_t seed) {
  if (n < 1) fail("E_CONFIG", "Expected positive integer for n but received ", n);
  auto gen = make_generator(device_, mix_seed(seed, kSampleStream, 0));
  auto z = at::randn({n, config_.net.latent_dim()}, gen, torch::TensorOptions().device(device_));
  return decode(z);
}

TextInversion TextGanModel::invert(const torch::Tensor& tokens, const torch::Tensor& known_in,
                                   const TextInversionOptions& o, const std::function<bool()>& cancelled) {
  if (o.steps < 0) fail("E_CONFIG", "Expected non-negative integer for steps but received ", o.steps);
  if (!(o.lr > 0) || !std::isfinite(o.lr)) fail("E_CONFIG", "Expected positive number for lr but received ", o.lr);
  auto data = checked_tokens(tokens, "tokens").first;
  const int64_t n = data.size(0), width = data.size(1), d = config_.net.latent_dim();
  if (known_in.dim() != 2 || known_in.size(0) != n || known_in.size(1) != width)
    fail("E_SHAPE", "Expected a known mask of shape [", n, ", ", width, "] but received ", known_in.sizes());
  auto known = known_in.to(device_, torch::kFloat32);
  if (!((known == 0) | (known == 1)).all().item<bool>())
    fail("E_DATA", "Expected a known mask of 0 (unknown) and 1 (known) values");
  torch::AutoGradMode grad_mode(true);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(mix_seed(static_cast<uint64_t>(o.seed), kSearchStream, 0));
  auto starts = at::randn({n, d}, gen, torch::TensorOptions().dtype(torch::kFloat32)).to(device_);
  // Each string's mean cross-entropy over its known positions (none known: 0).
  const auto loss_of = [&](const torch::Tensor& z, const torch::Tensor& rows, const torch::Tensor& mask) {
    auto ce = -torch::log_softmax(g_->logits(z), 1).gather(1, rows.unsqueeze(1)).squeeze(1);  // [m, W]
    return (ce * mask).sum(1) / mask.sum(1).clamp_min(1);
  };
  std::vector<torch::Tensor> zs, losses, filled;
  FrozenParameters frozen(g_->parameters());  // gradients of z only
  for (int64_t begin = 0; begin < n; begin += kChunk) {
    const int64_t m = std::min(kChunk, n - begin);
    auto rows = data.narrow(0, begin, m), mask = known.narrow(0, begin, m);
    auto z = starts.narrow(0, begin, m).clone().requires_grad_(true);
    // Adam per coordinate on a sum over strings: each string's code is its own.
    torch::optim::Adam adam({z}, torch::optim::AdamOptions(o.lr));
    for (int64_t s = 0; s < o.steps; ++s) {
      if (cancelled && cancelled()) fail("E_ABORTED", "The inversion was aborted at step ", s);
      adam.zero_grad();
      loss_of(z, rows, mask).sum().backward();
      adam.step();
    }
    torch::NoGradGuard no_grad;
    auto zd = z.detach();
    losses.push_back(loss_of(zd, rows, mask).cpu());
    // Unknown positions take G's likeliest character (specials excluded).
    auto chars = g_->logits(zd).narrow(1, kSpecials, config_.net.vocab_size() - kSpecials).argmax(1) + kSpecials;
    filled.push_back(torch::where(mask > 0, rows, chars).to(torch::kInt32).cpu());
    zs.push_back(zd.cpu());
  }
  return {torch::cat(zs), torch::cat(losses), torch::cat(filled)};
}

NamedTensors TextGanModel::export_state(bool optimizer) {
  NamedTensors out;
  add_snapshot(out, parameters_of(*g_, "generator."));
  add_snapshot(out, parameters_of(*d_, "discriminator."));
  if (optimizer) {
    add_snapshot(out, opt_g_->state(), "optim_g.");
    add_snapshot(out, opt_d_->state(), "optim_d.");
    out.emplace_back("rng.cpu", rng_.get_state());
    if (!device_.is_cpu()) out.emplace_back("rng.noise", noise_.get_state().cpu());
  }
  return out;
}

void TextGanModel::import_state(const NamedTensors& tensors, const TrainingState& state) {
  StateSpec spec{parameters_of(*g_, "generator."), {"optim_g.", "optim_d."}, {"rng.cpu", "rng.noise"}};
  for (auto& t : parameters_of(*d_, "discriminator.")) spec.targets.push_back(t);
  const LoadedState side = load_checked(tensors, spec);
  const NamedTensors og = side.with_prefix("optim_g."), od = side.with_prefix("optim_d.");
  if (!og.empty()) opt_g_->load_state(og, state.step);
  if (!od.empty()) opt_d_->load_state(od, state.step * config_.n_critic);
  restore_rng(side.by_name, "rng.cpu", rng_);
  if (!device_.is_cpu()) restore_rng(side.by_name, "rng.noise", noise_);
  state_ = state;
}

}  // namespace gentorch
