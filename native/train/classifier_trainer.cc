#include "classifier_trainer.h"

#include <map>
#include <vector>

#include "../core/device.h"
#include "../core/error.h"
#include "images.h"
#include "loss_meter.h"
#include "checkpoint_state.h"
#include "seeding.h"

namespace gentorch {

namespace F = torch::nn::functional;

ClassifierModel::ClassifierModel(ClassifierOptions options, torch::Device device, uint64_t seed)
    : options_(options), device_(device) {
  rng_ = seeded_init(seed, [&]() { net_ = std::make_shared<ClassifierNet>(options_); });
  net_->to(device_);
  state_.seed = seed;
  NamedTensors params;
  for (auto& p : net_->named_parameters()) params.emplace_back(p.key(), p.value());
  optimizer_ = std::make_unique<Adam>(params, AdamOptions());
}

int64_t ClassifierModel::parameter_count() const {
  int64_t n = 0;
  for (const auto& p : net_->parameters()) n += p.numel();
  return n;
}

torch::Tensor ClassifierModel::prepare(const torch::Tensor& images) const {
  return images_to_device(images, options_.channels(), options_.height(), options_.width(), device_, "images");
}

void ClassifierModel::fit(const torch::Tensor& images, const torch::Tensor& labels, const ClassifierFitOptions& o,
                          const FitHooks& hooks) {
  use_fit_threads(device_, true);
  auto data = prepare(images);
  const int64_t n = data.size(0), bs = o.batch_size();
  if (!labels.defined() || labels.dim() != 1 || labels.size(0) != n)
    fail("E_DATA", "Expected ", n, " labels to train the classifier");
  auto y = labels.to(torch::kInt64).to(device_);
  if (y.min().item<int64_t>() < 0 || y.max().item<int64_t>() >= options_.num_classes()) {
    fail("E_DATA", "Expected labels in [0, ", options_.num_classes() - 1, "]");
  }
  optimizer_->options().lr(o.lr());
  net_->train();
  const int64_t steps_per_epoch = (n + bs - 1) / bs;
  LossMeter meter({"loss", "accuracy"}, device_);
  for (int64_t e = 0; e < o.epochs(); ++e) {
    state_.perm_seed = draw_permutation_seed(rng_);
    auto perm = permutation(n, state_.perm_seed, device_);
    meter.start_epoch();
    for (int64_t s = 0; s < steps_per_epoch; ++s) {
      if (hooks.cancelled && hooks.cancelled()) fail("E_ABORTED", "The fit was aborted at step ", state_.step);
      auto idx = perm.slice(0, s * bs, std::min(n, (s + 1) * bs));
      auto x = data.index_select(0, idx), t = y.index_select(0, idx);
      auto logits = net_->forward(x);
      auto loss = F::cross_entropy(logits, t);
      optimizer_->zero_grad();
      loss.backward();
      optimizer_->step();
      auto correct = logits.argmax(1).eq(t).to(torch::kFloat64).sum();
      meter.add({loss.detach() * x.size(0), correct.detach()}, x.size(0), state_.step + 1);
      ++state_.step;
      if (state_.step % o.progress_every() == 0 || s + 1 == steps_per_epoch) {
        meter.check_finite();
        ProgressEvent ev;
        ev.step = state_.step;
        ev.epoch = state_.epoch;
        ev.epoch_step = s + 1;
        ev.steps_per_epoch = steps_per_epoch;
        ev.losses = meter.take_window(&ev.images_per_second);
        if (hooks.on_progress) hooks.on_progress(ev);
      }
    }
    state_.epoch += 1;
    EpochEvent ev;
    ev.epoch = state_.epoch;
    ev.step = state_.step;
    ev.losses = meter.epoch_means(&ev.seconds);
    if (hooks.on_epoch) hooks.on_epoch(ev);
  }
}

template <typename F>
torch::Tensor ClassifierModel::batched(const torch::Tensor& images, F&& f) {
  torch::NoGradGuard no_grad;
  net_->eval();
  use_fit_threads(device_, true);
  auto data = prepare(images);
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < data.size(0); i += 1000)
    parts.push_back(f(data.slice(0, i, std::min(data.size(0), i + 1000))));
  net_->train();
  return torch::cat(parts).cpu();
}

double ClassifierModel::accuracy(const torch::Tensor& images, const torch::Tensor& labels) {
  auto pred = probabilities(images).argmax(1);
  if (labels.dim() != 1 || labels.size(0) != pred.size(0)) fail("E_DATA", "Expected ", pred.size(0), " labels");
  return pred.eq(labels.to(torch::kInt64)).to(torch::kFloat64).mean().item<double>();
}

torch::Tensor ClassifierModel::features(const torch::Tensor& images) {
  return batched(images, [&](const torch::Tensor& x) { return net_->features(x).to(torch::kFloat64); });
}

torch::Tensor ClassifierModel::probabilities(const torch::Tensor& images) {
  return batched(images, [&](const torch::Tensor& x) { return torch::softmax(net_->forward(x), 1); });
}

NamedTensors ClassifierModel::export_state(bool optimizer) {
  NamedTensors out;
  add_snapshot(out, parameters());
  if (optimizer) add_snapshot(out, optimizer_->state(), "optim.");
  return out;
}

void ClassifierModel::import_state(const NamedTensors& tensors, const TrainingState& state) {
  const LoadedState side = load_checked(tensors, {parameters(), {"optim."}, {}});
  const NamedTensors optim = side.with_prefix("optim.");
  if (!optim.empty()) optimizer_->load_state(optim, state.step);
  state_ = state;
}

NamedTensors ClassifierModel::parameters() const {
  NamedTensors out;
  for (const auto& p : net_->named_parameters()) out.emplace_back(p.key(), p.value());
  return out;
}

}  // namespace gentorch
