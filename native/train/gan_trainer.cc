#include "gan_trainer.h"

#include <chrono>
#include <cmath>
#include <map>

#include "../core/device.h"
#include "../core/error.h"
#include "frozen_parameters.h"
#include "images.h"
#include "loss_meter.h"
#include "seeding.h"

namespace gentorch {

namespace {

NamedTensors parameters_of(const torch::nn::Module& m) {
  NamedTensors out;
  for (const auto& p : m.named_parameters()) out.emplace_back(p.key(), p.value());
  return out;
}

}  // namespace

NamedTensors named(const torch::nn::Module& m, const std::string& prefix) {
  NamedTensors out;
  for (const auto& p : m.named_parameters()) out.emplace_back(prefix + p.key(), p.value());
  for (const auto& b : m.named_buffers()) out.emplace_back(prefix + b.key(), b.value());
  return out;
}

GanModel::GanModel(GanConfig config, torch::Device device, uint64_t seed)
    : config_(std::move(config)), loss_(parse_gan_loss(config_.loss)), device_(device) {
  // The loop's bound; the rules on values (label smoothing and EMA decay in
  // [0, 1), no BatchNorm in a WGAN-GP critic, ...) are lib/config/gan.ts's.
  if (config_.n_critic < 1) fail("E_CONFIG", "Expected positive integer for nCritic but received ", config_.n_critic);
  check_gan_options(config_.net);
  rng_ = seeded_init(seed, [&]() {
    g_ = std::make_shared<Generator>(config_.net);
    d_ = std::make_shared<Discriminator>(config_.net);
    if (config_.net.arch() == "dcgan") {
      dcgan_init(*g_);
      dcgan_init(*d_);
    }
  });
  g_->to(device_);
  d_->to(device_);
  if (config_.ema_decay > 0) {
    g_ema_ = std::make_shared<Generator>(config_.net);
    g_ema_->to(device_);
    torch::NoGradGuard no_grad;
    auto src = named(*g_, ""), dst = named(*g_ema_, "");
    for (size_t i = 0; i < src.size(); ++i) dst[i].second.copy_(src[i].second);
  }
  noise_ = device_.is_cpu() ? rng_ : make_generator(device_, mix_seed(seed, kNoiseStream, 0));
  state_.seed = seed;
  // Before Adam takes its moments' layout from the weights.
  channels_last_ = use_channels_last(device_, config_.net.arch() == "dcgan");
  if (channels_last_) {
    to_channels_last(*g_);
    to_channels_last(*d_);
    if (g_ema_) to_channels_last(*g_ema_);
  }
  opt_g_ = std::make_unique<Adam>(parameters_of(*g_), AdamOptions());
  opt_d_ = std::make_unique<Adam>(parameters_of(*d_), AdamOptions());
}

int64_t GanModel::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : g_->parameters()) n += p.numel();
  for (const auto& p : d_->parameters()) n += p.numel();
  return n;
}

torch::Tensor GanModel::resident_images(const torch::Tensor& images) const {
  const auto& o = config_.net;
  return gentorch::resident_images(images, o.channels(), o.height(), o.width(), device_, "images");
}

torch::Tensor GanModel::batch_images(const torch::Tensor& batch) const {
  if (batch.scalar_type() != torch::kUInt8) return batch;
  auto x = as_floats(batch);
  if (config_.net.output() == "tanh") x = x.mul_(2).sub_(1);  // DCGAN works on [-1, 1]
  return x;
}

torch::Tensor GanModel::prepare_images(const torch::Tensor& images) const {
  return batch_images(resident_images(images));
}

torch::Tensor GanModel::prepare_labels(const torch::Tensor& labels, int64_t n) const {
  const int64_t k = config_.net.num_classes();
  if (k == 0) return {};
  if (!labels.defined()) fail("E_DATA", "Expected labels for a conditional GAN (", k, " classes) but received none");
  if (labels.dim() != 1 || labels.size(0) != n)
    fail("E_DATA", "Expected ", n, " labels but received shape ", labels.sizes());
  auto y = labels.to(torch::kInt64);
  if (n > 0 && (y.min().item<int64_t>() < 0 || y.max().item<int64_t>() >= k)) {
    fail("E_DATA", "Expected labels in [0, ", k - 1, "] but received values from ", y.min().item<int64_t>(), " to ",
         y.max().item<int64_t>());
  }
  return y.to(device_);
}

std::vector<GanModel::CriticInput> GanModel::next_inputs(BatchOrder& order, bool* epoch_done) {
  std::vector<CriticInput> out;
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device_);
  // Data-parallel: the global batch's noise, this rank's rows (parallel.h).
  const RowNoise noise = batch_noise(parallel_, noise_);
  for (int64_t k = 0; k < config_.n_critic; ++k) {
    CriticInput in;
    in.idx = order.next(state_, rng_, epoch_done);
    const int64_t rows = in.idx.size(0);
    in.z = noise.randn({rows, config_.net.latent_dim()}, opts);
    if (loss_ == GanLoss::kWganGp && config_.gp_lambda > 0) in.gp_eps = noise.rand({rows, 1, 1, 1}, opts);
    out.push_back(std::move(in));
  }
  return out;
}

torch::Tensor GanModel::clip(std::vector<torch::Tensor> params) const {
  std::vector<torch::Tensor> norms;
  for (auto& p : params)
    if (p.grad().defined()) norms.push_back(p.grad().norm());
  if (norms.empty()) return torch::zeros({}, torch::TensorOptions().device(device_));
  auto total = torch::stack(norms).norm();
  if (config_.clip_grad > 0) {
    // On the device, no sync: scale = min(1, max_norm / (total + 1e-6)).
    auto scale = (config_.clip_grad / (total + 1e-6)).clamp_max(1.0);
    for (auto& p : params)
      if (p.grad().defined()) p.mutable_grad().mul_(scale);
  }
  return total.detach();
}

void GanModel::update_ema() {
  if (!g_ema_) return;
  torch::NoGradGuard no_grad;
  auto src = named(*g_, ""), dst = named(*g_ema_, "");
  for (size_t i = 0; i < src.size(); ++i) {
    if (src[i].second.is_floating_point())
      dst[i].second.lerp_(src[i].second, 1.0 - config_.ema_decay);
    else
      dst[i].second.copy_(src[i].second);
  }
}

bool GanModel::train_step(const torch::Tensor& data, const torch::Tensor& labels,
                          const std::vector<CriticInput>& inputs, Precision precision, NanGuard& guard,
                          std::vector<torch::Tensor>& parts_out) {
  const double real_target = 1.0 - config_.label_smoothing;
  torch::Tensor d_loss, d_real, d_fake, grad_d, fake, y;
  bool admitted = true;
  for (const CriticInput& in : inputs) {
    y = labels.defined() ? labels.index_select(0, in.idx) : torch::Tensor();
    auto x = model_layout(batch_images(data.index_select(0, in.idx)), channels_last_);
    torch::Tensor real_logits, fake_logits;
    {
      AutocastScope autocast(device_, precision);
      fake = g_->forward(in.z, y);
      real_logits = d_->forward(x, y).to(torch::kFloat32);
      fake_logits = d_->forward(fake.detach(), y).to(torch::kFloat32);
      d_loss = discriminator_loss(loss_, real_logits, fake_logits, real_target);
      if (loss_ == GanLoss::kWganGp && config_.gp_lambda > 0) {
        auto critic = [&](const torch::Tensor& xs) { return d_->forward(xs, y).to(torch::kFloat32); };
        d_loss = d_loss + config_.gp_lambda * gradient_penalty(critic, x, fake, in.gp_eps);
      }
    }
    opt_d_->zero_grad();
    d_loss.backward();
    // The data-parallel seam: mean losses, so D's gradients are averaged over ranks.
    if (parallel_) parallel_->reduce_gradients(d_->parameters(), 1.0 / parallel_->world());
    grad_d = clip(d_->parameters());
    if (guard.admit_norm(d_loss, grad_d, state_.step + 1)) {
      opt_d_->step();
    } else {
      opt_d_->zero_grad();
      admitted = false;
    }
    d_real = mean_output(loss_, real_logits.detach());
    d_fake = mean_output(loss_, fake_logits.detach());
  }
  // G's step backpropagates through D without computing D's weight gradients:
  // PyTorch's loop computes them and discards them at D's next zero_grad.
  torch::Tensor g_loss;
  {
    FrozenParameters frozen(d_->parameters());
    {
      AutocastScope autocast(device_, precision);
      g_loss = generator_loss(loss_, d_->forward(fake, y).to(torch::kFloat32));
    }
    opt_g_->zero_grad();
    g_loss.backward();
  }
  // The data-parallel seam for G, averaged as D's.
  if (parallel_) parallel_->reduce_gradients(g_->parameters(), 1.0 / parallel_->world());
  auto grad_g = clip(g_->parameters());
  if (guard.admit_norm(g_loss, grad_g, state_.step + 1)) {
    opt_g_->step();
    update_ema();
  } else {
    opt_g_->zero_grad();
    admitted = false;
  }
  parts_out = {d_loss.detach(), g_loss.detach(), d_real, d_fake, grad_d, grad_g};
  return admitted;
}

void GanModel::check_weights_finite() const {
  const char* hint = "try a smaller learning rate or clipGrad";
  check_parameters_finite(*g_, "generator.", state_.step, hint);
  check_parameters_finite(*d_, "discriminator.", state_.step, hint);
}

void GanModel::fit(const torch::Tensor& images, const torch::Tensor& labels, const GanFitOptions& o,
                   const FitHooks& hooks, const Validation& validation) {
  const bool conv = config_.net.arch() == "dcgan";
  FitLoop loop(fit_plan(o), hooks, device_, conv);
  auto data = resident_images(images);  // on the device for the whole fit (uint8 stays uint8)
  auto y = prepare_labels(labels, data.size(0));
  torch::Tensor val, val_y;
  if (validation.images.defined()) {
    const auto& net = config_.net;
    val = gentorch::resident_images(validation.images, net.channels(), net.height(), net.width(), device_,
                                    "validation images");
    val_y = prepare_labels(validation.labels, val.size(0));
  }
  // One rank of a data-parallel job: rank 0's state everywhere first.
  loop.start({g_.get(), d_.get(), g_ema_.get()}, {opt_g_.get(), opt_d_.get()}, state_, rng_,
             device_.is_cpu() ? nullptr : &noise_, {"dLoss", "gLoss", "dReal", "dFake", "gradNormD", "gradNormG"},
             !conv);
  const ParallelScope scope(parallel_, loop.parallel());
  BatchOrder order(data.size(0), o.batch_size(), loop.parallel(), device_);
  opt_g_->options().lr(o.lr_g()).beta1(o.beta1()).beta2(o.beta2());
  opt_d_->options().lr(o.lr_d()).beta1(o.beta1()).beta2(o.beta2());
  g_->train();
  d_->train();
  // G steps per epoch of D batches; the meter counts steps, each of n_critic batches.
  const int64_t g_steps_per_epoch = (order.per_epoch() + config_.n_critic - 1) / config_.n_critic;
  const double images_per_step = static_cast<double>(o.batch_size() * config_.n_critic);
  // CUDA graphs: steps whose n_critic batches are all full replay one
  // captured step (D steps, G step, EMA) on static buffers; a step with the
  // epoch's short batch runs eagerly on the same weights and moments.
  StepGraph& graph = loop.graph();
  std::vector<CriticInput> static_inputs;
  std::vector<torch::Tensor> static_parts;
  // Fixed-noise samples over time: the same codes at every snapshot (one
  // class per row for a conditional GAN), from a stream of their own so the
  // training draws are untouched; drawn as generate() draws.
  torch::Tensor snap_z, snap_y;
  int64_t snapped = -1;
  const bool snapshots = o.sample_every() > 0 && static_cast<bool>(hooks.on_samples);
  if (snapshots) {
    if (o.sample_count() < 1)
      fail("E_CONFIG", "Expected positive integer for sampleCount but received ", o.sample_count());
    auto gen = at::make_generator<at::CPUGeneratorImpl>(mix_seed(state_.seed, kSampleStream, 1));
    snap_z =
        at::randn({o.sample_count(), config_.net.latent_dim()}, gen, torch::TensorOptions().dtype(torch::kFloat32));
    if (config_.net.num_classes() > 0)
      snap_y = torch::arange(o.sample_count(), torch::kLong).remainder(config_.net.num_classes());
  }
  const auto snapshot = [&]() {
    if (!snapshots || snapped == state_.step) return;
    hooks.on_samples(state_.step, generate(snap_z, snap_y, false));
    snapped = state_.step;
  };
  if (state_.step % std::max<int64_t>(1, o.sample_every()) == 0) snapshot();
  while (loop.running(state_)) {
    if (loop.stop_requested(state_)) break;  // also E_ABORTED when cancelled
    bool epoch_done = false;
    auto inputs = next_inputs(order, &epoch_done);
    bool full = true;
    for (const auto& in : inputs) full = full && in.idx.size(0) == o.batch_size();
    if (graph.enabled() && full) {
      if (static_inputs.empty()) {
        for (const auto& in : inputs) {
          static_inputs.push_back({torch::empty_like(in.idx), torch::empty_like(in.z),
                                   in.gp_eps.defined() ? torch::empty_like(in.gp_eps) : torch::Tensor()});
        }
      }
      for (size_t k = 0; k < inputs.size(); ++k) {
        static_inputs[k].idx.copy_(inputs[k].idx);
        static_inputs[k].z.copy_(inputs[k].z);
        if (inputs[k].gp_eps.defined()) static_inputs[k].gp_eps.copy_(inputs[k].gp_eps);
      }
      const auto ran =
          graph.run([&]() { train_step(data, y, static_inputs, loop.precision(), loop.guard(), static_parts); });
      if (ran == StepGraph::Run::kReplayed) {
        opt_d_->count_replayed_steps(config_.n_critic);
        opt_g_->count_replayed_steps(1);
      }
      loop.meter().add(static_parts, 1, state_.step + 1);
    } else {
      std::vector<torch::Tensor> parts;
      if (train_step(data, y, inputs, loop.precision(), loop.guard(), parts)) {
        loop.meter().add(parts, 1, state_.step + 1);  // per-step values: means over steps
      }
    }
    ++state_.step;
    loop.progress(state_, loop.last_step(state_, epoch_done), state_.epoch, state_.epoch_step, g_steps_per_epoch,
                  images_per_step);
    loop.maybe_checkpoint(state_.step, [&]() { check_weights_finite(); });
    if (snapshots && state_.step % o.sample_every() == 0) snapshot();
    if (epoch_done) {
      loop.epoch_event(state_, val.defined() ? validate(val, val_y) : std::map<std::string, double>());
      loop.meter().start_epoch();
    }
  }
  snapshot();  // the fit's last step, when not on the grid
  loop.finish();
}

std::map<std::string, double> GanModel::validate(const torch::Tensor& data, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  g_->eval();
  d_->eval();
  // The same codes at every epoch, from a stream of their own: the training
  // streams stay untouched and epochs differ by the weights alone.
  auto gen = make_generator(device_, mix_seed(state_.seed, kEvalStream, 2));
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device_);
  const int64_t n = data.size(0);
  std::vector<torch::Tensor> real, fake;
  for (int64_t a = 0; a < n; a += kValidationBatch) {
    const int64_t b = std::min(n, a + kValidationBatch);
    auto y = labels.defined() ? labels.slice(0, a, b) : labels;
    auto z = at::randn({b - a, config_.net.latent_dim()}, gen, opts);
    real.push_back(d_->forward(batch_images(data.slice(0, a, b)), y).to(torch::kFloat32));
    fake.push_back(d_->forward(g_->forward(z, y), y).to(torch::kFloat32));
  }
  g_->train();
  d_->train();
  auto real_logits = torch::cat(real), fake_logits = torch::cat(fake);
  // The training objectives (label smoothing included, WGAN-GP's penalty not: it needs gradients).
  auto d_loss = discriminator_loss(loss_, real_logits, fake_logits, 1.0 - config_.label_smoothing);
  auto g_loss = generator_loss(loss_, fake_logits);
  auto parts = torch::stack({d_loss, g_loss, mean_output(loss_, real_logits), mean_output(loss_, fake_logits)})
                   .to(torch::kFloat64)
                   .cpu();
  return {{"dLoss", parts[0].item<double>()},
          {"gLoss", parts[1].item<double>()},
          {"dReal", parts[2].item<double>()},
          {"dFake", parts[3].item<double>()}};
}

torch::Tensor GanModel::sample(int64_t n, uint64_t seed, const torch::Tensor& labels, bool batch_stats) {
  if (n < 1) fail("E_CONFIG", "Expected positive integer for n but received ", n);
  auto gen = make_generator(device_, mix_seed(seed, kSampleStream, 0));
  auto z = at::randn({n, config_.net.latent_dim()}, gen, torch::TensorOptions().device(device_));
  return generate(z, labels, batch_stats);
}

torch::Tensor GanModel::generate(const torch::Tensor& z_in, const torch::Tensor& labels, bool batch_stats) {
  const int64_t d = config_.net.latent_dim();
  if (z_in.dim() != 2 || z_in.size(1) != d)
    fail("E_SHAPE", "Expected latent codes of shape [N, ", d, "] but received ", z_in.sizes());
  if (z_in.size(0) == 0) fail("E_DATA", "Expected at least one latent code but received none");
  torch::NoGradGuard no_grad;
  auto& g = g_ema_ ? g_ema_ : g_;
  auto z = z_in.to(device_, torch::kFloat32);
  auto y = prepare_labels(labels, z.size(0));
  torch::Tensor x;
  if (batch_stats) {
    // BatchNorm on the samples' own statistics, as PyTorch's dcgan example
    // draws its images; the running statistics are put back afterwards.
    NamedTensors saved;
    for (const auto& b : g->named_buffers()) saved.emplace_back(b.key(), b.value().clone());
    g->train();
    x = g->forward(z, y);
    auto buffers = g->named_buffers();
    for (const auto& [name, t] : saved) buffers[name].copy_(t);
  } else {
    g->eval();  // running statistics: chunks give the same images as one batch
    x = in_chunks(z.size(0), [&](int64_t a, int64_t b) {
      return g->forward(z.slice(0, a, b), y.defined() ? y.slice(0, a, b) : y);
    });
  }
  g->train();
  if (config_.net.output() == "tanh") x = (x + 1) / 2;
  return x.cpu();
}

LatentSearchResult GanModel::search(const torch::Tensor& images, const torch::Tensor& mask, const torch::Tensor& labels,
                                    const LatentSearchOptions& options, const std::function<bool()>& cancelled) {
  const auto& net = config_.net;
  auto x = images_to_device(images, net.channels(), net.height(), net.width(), device_, "images");
  auto m = search_mask(mask, x, device_);
  auto y = prepare_labels(labels, x.size(0));
  auto& g = g_ema_ ? g_ema_ : g_;
  g->eval();
  const bool tanh = net.output() == "tanh";
  auto image_of = [&](const torch::Tensor& z, const torch::Tensor& rows) {
    auto out = g->forward(z, y.defined() ? y.index_select(0, rows) : y);
    return tanh ? (out + 1) / 2 : out;
  };
  LatentSearchResult r;
  try {
    r = latent_search(image_of, x, m, torch::Tensor(), net.latent_dim(), options, cancelled);
  } catch (...) {
    g->train();
    throw;
  }
  g->train();
  return {r.z.cpu(), r.images.cpu(), r.loss.cpu()};
}

torch::Tensor GanModel::discriminate(const torch::Tensor& images, const torch::Tensor& labels) {
  torch::NoGradGuard no_grad;
  d_->eval();
  auto x = prepare_images(images);
  auto y = prepare_labels(labels, x.size(0));
  auto out = in_chunks(x.size(0), [&](int64_t a, int64_t b) {
    return d_->forward(x.slice(0, a, b), y.defined() ? y.slice(0, a, b) : y);
  });
  d_->train();
  return out;
}

}  // namespace gentorch
