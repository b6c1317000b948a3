#include "translator_trainer.h"

#include "../core/error.h"
#include "checkpoint_state.h"
#include "fit_loop.h"
#include "frozen_parameters.h"
#include "images.h"
#include "seeding.h"

namespace gentorch {

namespace F = torch::nn::functional;

namespace {

NamedTensors parameters_of(const torch::nn::Module& m, const std::string& prefix = "") {
  NamedTensors out;
  for (const auto& p : m.named_parameters()) out.emplace_back(prefix + p.key(), p.value());
  return out;
}

NamedTensors named_all(const torch::nn::Module& m, const std::string& prefix) {
  NamedTensors out = parameters_of(m, prefix);
  for (const auto& b : m.named_buffers()) out.emplace_back(prefix + b.key(), b.value());
  return out;
}

// Summed absolute error per image, summed over the batch.
torch::Tensor l1_sum(const torch::Tensor& a, const torch::Tensor& b) { return (a - b).abs().sum(); }

}  // namespace

TranslatorModel::TranslatorModel(TranslatorConfig config, torch::Device device, uint64_t seed)
    : config_(std::move(config)), loss_(parse_gan_loss(config_.gan_loss)), device_(device) {
  const auto& c = config_;
  if (c.family != "regressor" && c.family != "gan" && c.family != "vae")
    fail("E_CONFIG", "Expected family regressor, gan or vae but received \"", c.family, "\"");
  if (loss_ == GanLoss::kWganGp)
    fail("E_CONFIG", "Expected ganLoss ns, minimax or hinge for a translator but received \"wgan-gp\"");
  if (c.task.task() == "pairs" && c.input_channels < 0)
    fail("E_CONFIG", "Expected non-negative inputChannels but received ", c.input_channels);
  for (auto [name, v] : {std::pair<const char*, int64_t>{"channels", c.channels},
                         {"height", c.height},
                         {"width", c.width},
                         {"dFeatures", c.d_features},
                         {"latentDim", c.latent_dim}}) {
    if (v < 1) fail("E_CONFIG", "Expected positive integer for ", name, " but received ", v);
  }
  check_task_options(c.task, c.channels, c.height, c.width);
  const auto in = input_shape();
  const int64_t in_channels = in[0];
  UNetOptions net = UNetOptions()
                        .in_channels(in_channels)
                        .out_channels(c.channels)
                        .features(c.features)
                        .depth(c.depth)
                        .latent_dim(c.family == "vae" ? c.latent_dim : 0)
                        .dropout(c.family == "gan" ? c.dropout : 0.0);
  check_unet_options(net, c.height, c.width);
  if (c.family == "vae" && (c.height % 4 != 0 || c.width % 4 != 0))
    fail("E_SHAPE", "Expected images whose size divides by 4 for a conditional VAE but received ", c.height, "x",
         c.width);
  rng_ = seeded_init(seed, [&]() {
    unet_ = UNet(net);
    if (c.family == "gan") d_ = PatchDiscriminator(in_channels, c.channels, c.d_features);
    if (c.family == "vae")
      encoder_ = PairEncoder(in_channels, c.channels, c.d_features, c.height, c.width, c.latent_dim);
  });
  unet_->to(device_);
  NamedTensors u = parameters_of(*unet_);
  if (encoder_) {
    encoder_->to(device_);
    for (auto& p : parameters_of(*encoder_, "encoder.")) u.push_back(p);
  }
  if (d_) d_->to(device_);
  noise_ = device_.is_cpu() ? rng_ : make_generator(device_, mix_seed(seed, kNoiseStream, 0));
  unet_->use_generator(&noise_);
  state_.seed = seed;
  opt_u_ = std::make_unique<Adam>(u, AdamOptions());
  if (d_) opt_d_ = std::make_unique<Adam>(parameters_of(*d_), AdamOptions());
}

std::array<int64_t, 3> TranslatorModel::input_shape() const {
  const auto& c = config_;
  if (c.task.task() == "pairs") return {c.input_channels > 0 ? c.input_channels : c.channels, c.height, c.width};
  return task_input_shape(c.task, c.channels, c.height, c.width);
}

int64_t TranslatorModel::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : unet_->parameters()) n += p.numel();
  if (d_)
    for (const auto& p : d_->parameters()) n += p.numel();
  if (encoder_)
    for (const auto& p : encoder_->parameters()) n += p.numel();
  return n;
}

std::vector<std::string> TranslatorModel::loss_names() const {
  if (config_.family == "gan") return {"gLoss", "dLoss", "l1", "adv"};
  if (config_.family == "vae") return {"loss", "l1", "kl"};
  return {"l1"};
}

torch::Tensor TranslatorModel::check_inputs(const torch::Tensor& inputs, const char* what) const {
  const auto s = input_shape();
  return images_to_device(inputs, s[0], s[1], s[2], device_, what);
}

bool TranslatorModel::train_step(const torch::Tensor& x, const torch::Tensor& y, Precision precision, NanGuard& guard,
                                 std::vector<torch::Tensor>& out) {
  const int64_t b = y.size(0);
  const auto world = parallel_ ? 1.0 / parallel_->world() : 1.0;
  if (config_.family == "regressor") {
    torch::Tensor l1;
    {
      AutocastScope autocast(device_, precision);
      l1 = l1_sum(unet_->forward(x).to(torch::kFloat32), y);
    }
    opt_u_->zero_grad();
    (l1 / b).backward();
    if (parallel_) parallel_->reduce_gradients(unet_->parameters(), world);
    if (!guard.admit(l1, unet_->parameters(), state_.step + 1)) {
      opt_u_->zero_grad();
      return false;
    }
    opt_u_->step();
    out = {l1.detach()};
    return true;
  }
  if (config_.family == "vae") {
    torch::Tensor l1, kl, loss;
    std::vector<torch::Tensor> params = unet_->parameters();
    for (auto& p : encoder_->parameters()) params.push_back(p);
    {
      AutocastScope autocast(device_, precision);
      auto [mu_raw, logvar_raw] = encoder_->forward(x, y);
      auto mu = mu_raw.to(torch::kFloat32), logvar = logvar_raw.to(torch::kFloat32);
      auto eps = at::randn(mu.sizes(), noise_, mu.options());
      auto z = mu + eps * torch::exp(0.5 * logvar);
      l1 = l1_sum(unet_->forward(x, z).to(torch::kFloat32), y);
      kl = -0.5 * torch::sum(1 + logvar - mu.pow(2) - logvar.exp());
      loss = l1 + config_.beta * kl;
    }
    opt_u_->zero_grad();
    (loss / b).backward();
    if (parallel_) parallel_->reduce_gradients(params, world);
    if (!guard.admit(loss, params, state_.step + 1)) {
      opt_u_->zero_grad();
      return false;
    }
    opt_u_->step();
    out = {loss.detach(), l1.detach(), kl.detach()};
    return true;
  }
  // pix2pix: D on (input, target) against (input, U(x)), then U on adversarial + l1_weight * L1.
  torch::Tensor fake, d_loss, g_adv, l1;
  {
    AutocastScope autocast(device_, precision);
    fake = unet_->forward(x);
    auto real_logits = d_->forward(x, y).to(torch::kFloat32);
    auto fake_logits = d_->forward(x, fake.detach()).to(torch::kFloat32);
    d_loss = discriminator_loss(loss_, real_logits, fake_logits, 1.0);
  }
  opt_d_->zero_grad();
  d_loss.backward();
  if (parallel_) parallel_->reduce_gradients(d_->parameters(), world);
  bool admitted = guard.admit(d_loss, d_->parameters(), state_.step + 1);
  if (admitted)
    opt_d_->step();
  else
    opt_d_->zero_grad();
  torch::Tensor g_loss;
  {
    FrozenParameters frozen(d_->parameters());
    {
      AutocastScope autocast(device_, precision);
      g_adv = generator_loss(loss_, d_->forward(x, fake).to(torch::kFloat32));
      l1 = l1_sum(fake.to(torch::kFloat32), y);
      // Per pixel, as pix2pix weighs its L1 against the adversarial mean.
      g_loss = g_adv + config_.l1_weight * l1 / y.numel();
    }
    opt_u_->zero_grad();
    g_loss.backward();
  }
  if (parallel_) parallel_->reduce_gradients(unet_->parameters(), world);
  if (guard.admit(g_loss, unet_->parameters(), state_.step + 1)) {
    opt_u_->step();
  } else {
    opt_u_->zero_grad();
    admitted = false;
  }
  // Reported per image: the batch means times b (the meter divides by images).
  out = {g_loss.detach() * b, d_loss.detach() * b, l1.detach(), g_adv.detach() * b};
  return admitted;
}

void TranslatorModel::check_weights_finite() const {
  const char* hint = "try a smaller learning rate";
  check_parameters_finite(*unet_, "unet.", state_.step, hint);
  if (d_) check_parameters_finite(*d_, "discriminator.", state_.step, hint);
  if (encoder_) check_parameters_finite(*encoder_, "encoder.", state_.step, hint);
}

void TranslatorModel::fit(const torch::Tensor& targets, const torch::Tensor& inputs, const TranslatorFitOptions& o,
                          const FitHooks& hooks) {
  FitLoop loop(fit_plan(o), hooks, device_, true);
  const auto& c = config_;
  auto data = resident_images(targets, c.channels, c.height, c.width, device_, "training targets");
  const bool pairs = c.task.task() == "pairs";
  torch::Tensor given;
  if (pairs) {
    if (!inputs.defined()) fail("E_DATA", "Expected the inputs of the pairs task beside its targets but received none");
    const auto s = input_shape();
    given = gentorch::resident_images(inputs, s[0], s[1], s[2], device_, "training inputs");
    if (given.size(0) != data.size(0))
      fail("E_DATA", "Expected as many inputs as targets (", data.size(0), ") but received ", given.size(0));
  } else if (inputs.defined()) {
    fail("E_DATA", "Expected no inputs for task \"", c.task.task(), "\" (made from the targets) but received some");
  }
  std::vector<torch::nn::Module*> modules{unet_.get()};
  std::vector<Adam*> optimizers{opt_u_.get()};
  if (d_) {
    modules.push_back(d_.get());
    optimizers.push_back(opt_d_.get());
  }
  if (encoder_) modules.push_back(encoder_.get());
  loop.start(modules, optimizers, state_, rng_, device_.is_cpu() ? nullptr : &noise_, loss_names(), false);
  const ParallelScope scope(parallel_, loop.parallel());
  BatchOrder order(data.size(0), o.batch_size(), loop.parallel(), device_);
  const int64_t steps_per_epoch = order.per_epoch();
  opt_u_->options().lr(o.lr()).beta1(o.beta1()).beta2(o.beta2());
  if (opt_d_) opt_d_->options().lr(o.lr()).beta1(o.beta1()).beta2(o.beta2());
  for (auto* m : modules) m->train();
  for (bool first = true; loop.running(state_); first = false) {
    if (loop.stop_requested(state_)) break;
    if (first || order.starts_epoch(state_)) loop.meter().start_epoch();
    bool epoch_done = false;
    auto idx = order.next(state_, rng_, &epoch_done);
    loop.check_cancelled(state_.step);
    auto y = as_floats(data.index_select(0, idx));
    auto x = full_size(c.task, pairs ? as_floats(given.index_select(0, idx)) : task_input(c.task, y, noise_));
    std::vector<torch::Tensor> losses;
    if (train_step(x, y, loop.precision(), loop.guard(), losses)) loop.meter().add(losses, y.size(0), state_.step + 1);
    ++state_.step;
    loop.progress(state_, epoch_done || loop.at_target_step(state_), state_.epoch - (epoch_done ? 1 : 0),
                  epoch_done ? steps_per_epoch : state_.epoch_step, steps_per_epoch);
    loop.maybe_checkpoint(state_.step, [&]() { check_weights_finite(); });
    if (epoch_done) loop.epoch_event(state_);
  }
  loop.finish();
}

torch::Tensor TranslatorModel::apply(const torch::Tensor& inputs, int64_t samples, uint64_t seed) {
  if (samples < 1) fail("E_CONFIG", "Expected positive integer for samples but received ", samples);
  torch::NoGradGuard no_grad;
  auto x = check_inputs(inputs, "inputs");
  const int64_t n = x.size(0);
  const int64_t k = config_.family == "vae" ? samples : 1;
  auto gen = make_generator(device_, mix_seed(seed, kSampleStream, 0));
  torch::Tensor z;
  if (config_.family == "vae") z = at::randn({n * k, config_.latent_dim}, gen, torch::TensorOptions().device(device_));
  unet_->eval();
  auto out = in_chunks(n * k, [&](int64_t a, int64_t b) {
    auto rows = torch::arange(a, b, torch::TensorOptions().dtype(torch::kInt64).device(device_)).div(k, "floor");
    auto xi = full_size(config_.task, x.index_select(0, rows));
    auto y = unet_->forward(xi, z.defined() ? z.slice(0, a, b) : z);
    if (config_.task.task() != "inpaint") return y;
    // Inpainting keeps the pixels the user has: the model fills only the holes.
    const int64_t c = config_.channels;
    auto mask = xi.narrow(1, c, 1);
    return xi.narrow(1, 0, c) * mask + y * (1 - mask);
  });
  unet_->train();
  return out;
}

torch::Tensor TranslatorModel::make_inputs(const torch::Tensor& targets, uint64_t seed) {
  const auto& c = config_;
  if (c.task.task() == "pairs") fail("E_CONFIG", "Expected a task that makes its inputs, not \"pairs\"");
  torch::NoGradGuard no_grad;
  auto y = images_to_device(targets, c.channels, c.height, c.width, device_, "targets");
  auto gen = make_generator(device_, mix_seed(seed, kEvalStream, 2));
  return in_chunks(y.size(0), [&](int64_t a, int64_t b) { return task_input(c.task, y.slice(0, a, b), gen); });
}

torch::Tensor TranslatorModel::baseline(const torch::Tensor& inputs) {
  if (config_.task.task() != "superres") return {};
  torch::NoGradGuard no_grad;
  auto x = check_inputs(inputs, "inputs");
  return in_chunks(x.size(0), [&](int64_t a, int64_t b) { return task_baseline(config_.task, x.slice(0, a, b)); });
}

NamedTensors TranslatorModel::export_state(bool optimizer) {
  NamedTensors out;
  add_snapshot(out, named_all(*unet_, "unet."));
  if (d_) add_snapshot(out, named_all(*d_, "discriminator."));
  if (encoder_) add_snapshot(out, named_all(*encoder_, "encoder."));
  if (optimizer) {
    add_snapshot(out, opt_u_->state(), "optim_u.");
    if (opt_d_) add_snapshot(out, opt_d_->state(), "optim_d.");
    out.emplace_back("rng.cpu", rng_.get_state());
    if (!device_.is_cpu()) out.emplace_back("rng.noise", noise_.get_state().cpu());
  }
  return out;
}

void TranslatorModel::import_state(const NamedTensors& tensors, const TrainingState& state) {
  StateSpec spec{named_all(*unet_, "unet."), {"optim_u.", "optim_d."}, {"rng.cpu", "rng.noise"}};
  if (d_)
    for (auto& t : named_all(*d_, "discriminator.")) spec.targets.push_back(t);
  if (encoder_)
    for (auto& t : named_all(*encoder_, "encoder.")) spec.targets.push_back(t);
  const LoadedState side = load_checked(tensors, spec);
  const NamedTensors ou = side.with_prefix("optim_u."), od = side.with_prefix("optim_d.");
  if (!ou.empty()) opt_u_->load_state(ou, state.step);
  if (opt_d_ && !od.empty()) opt_d_->load_state(od, state.step);
  restore_rng(side.by_name, "rng.cpu", rng_);
  if (!device_.is_cpu()) restore_rng(side.by_name, "rng.noise", noise_);
  state_ = state;
}

}  // namespace gentorch
