#include "vae_trainer.h"

#include <cmath>
#include <map>
#include <mutex>

#include "../core/device.h"
#include "../core/error.h"
#include "images.h"
#include "loss_meter.h"
#include "checkpoint_state.h"
#include "fit_loop.h"
#include "seeding.h"

namespace gentorch {

namespace F = torch::nn::functional;

VaeModel::VaeModel(VaeConfig config, torch::Device device, uint64_t seed)
    : config_(std::move(config)), device_(device) {
  // The rules on values (beta >= 0, a linear mean only with a Gaussian
  // likelihood, ...) are lib/config/vae.ts's; here only what a string must parse to.
  if (config_.likelihood != "bernoulli" && config_.likelihood != "gaussian") {
    fail("E_CONFIG", "Expected likelihood bernoulli or gaussian but received \"", config_.likelihood, "\"");
  }
  if (config_.output != "sigmoid" && config_.output != "linear") {
    fail("E_CONFIG", "Expected output sigmoid or linear but received \"", config_.output, "\"");
  }
  rng_ = seeded_init(seed, [&]() { net_ = make_vae_net(config_.net); });
  noise_ = device_.is_cpu() ? rng_ : make_generator(device_, mix_seed(seed, kNoiseStream, 0));
  net_->to(device_);
  // Before Adam takes its moments' layout from the weights.
  channels_last_ = use_channels_last(device_, config_.net.arch() == "conv");
  if (channels_last_) to_channels_last(*net_);
  state_.seed = seed;
  NamedTensors params;
  for (auto& item : net_->named_parameters()) params.emplace_back(item.key(), item.value());
  optimizer_ = std::make_unique<Adam>(params, AdamOptions());
}

int64_t VaeModel::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : net_->parameters()) n += p.numel();
  return n;
}

torch::Tensor VaeModel::to_device_images(const torch::Tensor& images, const char* what) const {
  const auto& o = config_.net;
  return images_to_device(images, o.channels(), o.height(), o.width(), device_, what);
}

torch::Tensor VaeModel::mean_of(const torch::Tensor& logits) const {
  return config_.output == "linear" ? logits : torch::sigmoid(logits);
}

torch::Tensor VaeModel::recon_loss(const torch::Tensor& logits, const torch::Tensor& x) const {
  if (config_.likelihood == "bernoulli") {
    // BCE on logits: the same value as sigmoid + BCE, without its log(0) clamp.
    return F::binary_cross_entropy_with_logits(logits, x,
                                               F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kSum));
  }
  return F::mse_loss(mean_of(logits), x, F::MSELossFuncOptions().reduction(torch::kSum));
}

torch::Tensor VaeModel::draw_eps(int64_t rows) {
  // Data-parallel: the global batch's noise, this rank's rows (parallel.h).
  // Float32 whatever the layers run in, so every precision draws the same stream.
  auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device_);
  return batch_noise(parallel_, noise_).randn({rows, config_.net.latent_dim()}, opts);
}

bool VaeModel::train_step(const torch::Tensor& x, const torch::Tensor& eps, Precision precision, NanGuard& guard,
                          std::vector<torch::Tensor>& losses_out) {
  torch::Tensor loss, recon, kl;
  {
    AutocastScope autocast(device_, precision);
    auto [mu_raw, logvar_raw] = net_->encode(model_layout(x, channels_last_));
    // The posterior in float32 whatever the layers ran in.
    auto mu = mu_raw.to(torch::kFloat32);
    auto logvar = logvar_raw.to(torch::kFloat32);
    auto z = mu + eps * torch::exp(0.5 * logvar);
    recon = recon_loss(net_->decode_logits(z).to(torch::kFloat32), x);
    kl = -0.5 * torch::sum(1 + logvar - mu.pow(2) - logvar.exp());
    loss = recon + config_.beta * kl;
  }
  optimizer_->zero_grad();
  loss.backward();
  // The data-parallel seam: a summed loss, so gradients are summed over ranks.
  if (parallel_) parallel_->reduce_gradients(net_->parameters(), 1.0);
  if (!guard.admit(loss, net_->parameters(), state_.step + 1)) {
    optimizer_->zero_grad();
    return false;
  }
  optimizer_->step();
  losses_out = {loss.detach(), recon.detach(), kl.detach()};
  return true;
}

void VaeModel::check_weights_finite() const { check_parameters_finite(*net_, "", state_.step, "try a smaller lr"); }

void VaeModel::fit(const torch::Tensor& images, const VaeFitOptions& options, const FitHooks& hooks,
                   const torch::Tensor& validation) {
  const bool conv = config_.net.arch() == "conv";
  FitLoop loop(fit_plan(options), hooks, device_, conv);
  const auto& net = config_.net;
  // Resident on the device for the whole fit (uint8 stays uint8; batches become floats).
  torch::Tensor data = resident_images(images, net.channels(), net.height(), net.width(), device_, "training images");
  torch::Tensor val;
  if (validation.defined())
    val = resident_images(validation, net.channels(), net.height(), net.width(), device_, "validation images");
  // One rank of a data-parallel job: rank 0's state everywhere, then a shard of each epoch.
  loop.start({net_.get()}, {optimizer_.get()}, state_, rng_, device_.is_cpu() ? nullptr : &noise_,
             {"loss", "recon", "kl"}, !conv);
  const ParallelScope scope(parallel_, loop.parallel());
  BatchOrder order(data.size(0), options.batch_size(), loop.parallel(), device_);
  const int64_t bs = options.batch_size(), steps_per_epoch = order.per_epoch();
  optimizer_->options().lr(options.lr());
  net_->train();
  // CUDA graphs: full batches replay one captured step on static buffers
  // (batch indices and noise copied in first); the last, short batch of an
  // epoch runs eagerly on the same weights and moments.
  StepGraph& graph = loop.graph();
  torch::Tensor static_idx, static_eps;
  std::vector<torch::Tensor> static_losses;
  // By steps (crossing epochs, stopping mid-epoch if need be) or by epochs.
  for (bool first = true; loop.running(state_); first = false) {
    if (loop.stop_requested(state_)) break;
    if (first || order.starts_epoch(state_)) loop.meter().start_epoch();
    bool epoch_done = false;
    auto idx = order.next(state_, rng_, &epoch_done);
    loop.check_cancelled(state_.step);
    auto eps = draw_eps(idx.size(0));
    if (graph.enabled() && idx.size(0) == bs) {
      if (!static_idx.defined()) {
        static_idx = torch::empty_like(idx);
        static_eps = torch::empty_like(eps);
      }
      static_idx.copy_(idx);
      static_eps.copy_(eps);
      const auto ran = graph.run([&]() {
        train_step(as_floats(data.index_select(0, static_idx)), static_eps, loop.precision(), loop.guard(),
                   static_losses);
      });
      if (ran == StepGraph::Run::kReplayed) optimizer_->count_replayed_steps(1);
      loop.meter().add(static_losses, bs, state_.step + 1);
    } else {
      auto x = as_floats(data.index_select(0, idx));
      std::vector<torch::Tensor> losses;
      if (train_step(x, eps, loop.precision(), loop.guard(), losses))
        loop.meter().add(losses, x.size(0), state_.step + 1);
    }
    ++state_.step;
    // Reported as the epoch's last step (epoch_step = steps_per_epoch), before the epoch count moves on.
    loop.progress(state_, epoch_done || loop.at_target_step(state_), state_.epoch - (epoch_done ? 1 : 0),
                  epoch_done ? steps_per_epoch : state_.epoch_step, steps_per_epoch);
    loop.maybe_checkpoint(state_.step, [&]() { check_weights_finite(); });
    if (epoch_done) loop.epoch_event(state_, val.defined() ? validate(val) : std::map<std::string, double>());
  }
  loop.finish();
}

std::map<std::string, double> VaeModel::validate(const torch::Tensor& data) {
  const VaeLosses l = evaluate_resident(data, kValidationBatch);
  net_->train();  // evaluation left it in eval mode
  // "loss" as the training loss weighs KL (beta); recon and kl as evaluate() gives them.
  return {{"loss", l.recon + config_.beta * l.kl}, {"recon", l.recon}, {"kl", l.kl}};
}

VaeLosses VaeModel::evaluate(const torch::Tensor& images, int64_t batch_size) {
  if (batch_size < 1) fail("E_CONFIG", "Expected positive integer for batchSize but received ", batch_size);
  const auto& o = config_.net;
  return evaluate_resident(resident_images(images, o.channels(), o.height(), o.width(), device_, "evaluation images"),
                           batch_size);
}

VaeLosses VaeModel::evaluate_resident(const torch::Tensor& data, int64_t batch_size) {
  torch::NoGradGuard no_grad;
  net_->eval();
  // Its own stream, drawn afresh each time: the same noise for the same
  // weights, and the training streams untouched.
  auto gen = make_generator(device_, mix_seed(state_.seed, kEvalStream, 0));
  auto sums = torch::zeros({2}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  const int64_t n = data.size(0);
  for (int64_t i = 0; i < n; i += batch_size) {
    auto x = as_floats(data.slice(0, i, std::min(n, i + batch_size)));
    auto [mu, logvar] = net_->encode(x);
    auto z = mu + at::randn(mu.sizes(), gen, mu.options()) * torch::exp(0.5 * logvar);
    auto recon = recon_loss(net_->decode_logits(z), x);
    auto kl = -0.5 * torch::sum(1 + logvar - mu.pow(2) - logvar.exp());
    sums.add_(torch::stack({recon, kl}).to(torch::kFloat64));
  }
  auto s = sums.cpu();
  VaeLosses out;
  out.recon = s[0].item<double>() / n;
  out.kl = s[1].item<double>() / n;
  out.loss = out.recon + out.kl;
  return out;
}

double VaeModel::iwae(const torch::Tensor& images, int64_t k) {
  if (k < 1 || k > 100000) fail("E_CONFIG", "Expected integer in [1, 100000] for iwaeSamples but received ", k);
  torch::NoGradGuard no_grad;
  net_->eval();
  auto data = to_device_images(images, "evaluation images");
  auto gen = make_generator(device_, mix_seed(state_.seed, kEvalStream, 1));
  const int64_t n = data.size(0);
  const int64_t batch = std::max<int64_t>(1, 4096 / k);  // about 4k decoded images at a time
  auto total = torch::zeros({}, torch::TensorOptions().dtype(torch::kFloat64).device(device_));
  for (int64_t i = 0; i < n; i += batch) {
    auto x = data.slice(0, i, std::min(n, i + batch));
    const int64_t b = x.size(0);
    auto [mu, logvar] = net_->encode(x);
    auto eps = at::randn({k, b, mu.size(1)}, gen, mu.options());
    auto z = mu.unsqueeze(0) + eps * torch::exp(0.5 * logvar).unsqueeze(0);  // [k, b, d]
    auto logits = net_->decode_logits(z.reshape({k * b, -1}));
    auto xs = x.unsqueeze(0).expand({k, b, x.size(1), x.size(2), x.size(3)}).reshape(logits.sizes());
    torch::Tensor nll;
    if (config_.likelihood == "bernoulli") {
      nll = F::binary_cross_entropy_with_logits(logits, xs,
                                                F::BinaryCrossEntropyWithLogitsFuncOptions().reduction(torch::kNone));
    } else {
      nll = (mean_of(logits) - xs).pow(2);
    }
    nll = nll.reshape({k, b, -1}).sum(2);
    // log p(z) - log q(z|x), the 2*pi terms cancelling.
    auto log_ratio = (0.5 * (eps.pow(2) - z.pow(2) + logvar.unsqueeze(0))).sum(2);
    auto log_w = (log_ratio - nll).to(torch::kFloat64);
    total.add_((torch::logsumexp(log_w, 0) - std::log(static_cast<double>(k))).sum());
  }
  return -total.item<double>() / n;
}

std::pair<torch::Tensor, torch::Tensor> VaeModel::encode(const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  net_->eval();
  auto x = to_device_images(images, "images");
  auto both = in_chunks(x.size(0), [&](int64_t a, int64_t b) {
    auto [mu, logvar] = net_->encode(x.slice(0, a, b));
    return torch::cat({mu, logvar}, 1);
  });
  const int64_t d = config_.net.latent_dim();
  return {both.slice(1, 0, d).contiguous(), both.slice(1, d, 2 * d).contiguous()};
}

torch::Tensor VaeModel::decode(const torch::Tensor& z) {
  const int64_t d = config_.net.latent_dim();
  if (z.dim() != 2 || z.size(1) != d)
    fail("E_SHAPE", "Expected latent codes of shape [N, ", d, "] but received ", z.sizes());
  if (z.size(0) == 0) fail("E_DATA", "Expected at least one latent code but received none");
  torch::NoGradGuard no_grad;
  net_->eval();
  auto zd = z.to(device_, torch::kFloat32);
  return in_chunks(zd.size(0), [&](int64_t a, int64_t b) { return mean_of(net_->decode_logits(zd.slice(0, a, b))); });
}

torch::Tensor VaeModel::reconstruct(const torch::Tensor& images) {
  torch::NoGradGuard no_grad;
  net_->eval();
  auto x = to_device_images(images, "images");
  return in_chunks(x.size(0), [&](int64_t a, int64_t b) {
    return mean_of(net_->decode_logits(net_->encode(x.slice(0, a, b)).first));
  });
}

LatentSearchResult VaeModel::search(const torch::Tensor& images, const torch::Tensor& mask,
                                    const LatentSearchOptions& options, const std::function<bool()>& cancelled) {
  auto x = to_device_images(images, "images");
  auto m = search_mask(mask, x, device_);
  net_->eval();
  torch::Tensor z0;
  {
    torch::NoGradGuard no_grad;
    auto seen = m.defined() ? x * m : x;
    z0 = in_chunks(seen.size(0), [&](int64_t a, int64_t b) {
           return net_->encode(seen.slice(0, a, b)).first;
         }).to(device_);
  }
  auto g = [this](const torch::Tensor& z, const torch::Tensor&) { return mean_of(net_->decode_logits(z)); };
  auto r = latent_search(g, x, m, z0, config_.net.latent_dim(), options, cancelled);
  return {r.z.cpu(), r.images.cpu(), r.loss.cpu()};
}

torch::Tensor VaeModel::sample(int64_t n, uint64_t seed) {
  if (n < 1) fail("E_CONFIG", "Expected positive integer for n but received ", n);
  torch::NoGradGuard no_grad;
  net_->eval();
  auto gen = make_generator(device_, mix_seed(seed, kSampleStream, 0));
  auto z = at::randn({n, config_.net.latent_dim()}, gen, torch::TensorOptions().device(device_));
  return in_chunks(n, [&](int64_t a, int64_t b) { return mean_of(net_->decode_logits(z.slice(0, a, b))); });
}

torch::Tensor VaeModel::interpolate(const torch::Tensor& a, const torch::Tensor& b, int64_t steps) {
  if (steps < 2) fail("E_CONFIG", "Expected integer of at least 2 for steps but received ", steps);
  torch::NoGradGuard no_grad;
  net_->eval();
  auto ends =
      net_->encode(torch::cat({to_device_images(a, "the from images"), to_device_images(b, "the to images")})).first;
  auto t = torch::linspace(0, 1, steps, torch::TensorOptions().device(device_)).unsqueeze(1);
  auto z = ends[0].unsqueeze(0) * (1 - t) + ends[1].unsqueeze(0) * t;
  return mean_of(net_->decode_logits(z)).cpu();
}

namespace {
NamedTensors parameters_of(const torch::nn::Module& m) {
  NamedTensors out;
  for (const auto& p : m.named_parameters()) out.emplace_back(p.key(), p.value());
  return out;
}
}  // namespace

NamedTensors VaeModel::export_state(bool optimizer) {
  NamedTensors out;
  add_snapshot(out, parameters_of(*net_));
  if (optimizer) {
    add_snapshot(out, optimizer_->state(), "optim.");
    out.emplace_back("rng.cpu", rng_.get_state());
    if (!device_.is_cpu()) out.emplace_back("rng.noise", noise_.get_state().cpu());
  }
  return out;
}

void VaeModel::import_state(const NamedTensors& tensors, const TrainingState& state) {
  const LoadedState side = load_checked(tensors, {parameters_of(*net_), {"optim."}, {"rng.cpu", "rng.noise"}});
  const NamedTensors optim = side.with_prefix("optim.");
  if (!optim.empty()) optimizer_->load_state(optim, state.step);
  restore_rng(side.by_name, "rng.cpu", rng_);
  if (!device_.is_cpu()) restore_rng(side.by_name, "rng.noise", noise_);
  state_ = state;
}

}  // namespace gentorch
