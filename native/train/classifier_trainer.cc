#include "classifier_trainer.h"

#include <map>
#include <vector>

#include "../core/device.h"
#include "../core/error.h"
#include "images.h"
#include "loss_meter.h"
#include "checkpoint_state.h"
#include "fit_loop.h"
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
  FitPlan plan;  // whole epochs from the start, float32, no checkpoints
  plan.epochs = o.epochs();
  plan.batch_size = o.batch_size();
  plan.progress_every = o.progress_every();
  FitLoop loop(plan, hooks, device_, true);
  auto data = prepare(images);
  const int64_t n = data.size(0);
  if (!labels.defined() || labels.dim() != 1 || labels.size(0) != n)
    fail("E_DATA", "Expected ", n, " labels to train the classifier");
  auto y = labels.to(torch::kInt64).to(device_);
  if (y.min().item<int64_t>() < 0 || y.max().item<int64_t>() >= options_.num_classes()) {
    fail("E_DATA", "Expected labels in [0, ", options_.num_classes() - 1, "]");
  }
  loop.start({net_.get()}, {optimizer_.get()}, state_, rng_, nullptr, {"loss", "accuracy"}, false);
  BatchOrder order(n, o.batch_size(), loop.parallel(), device_);
  state_.epoch_step = 0;  // whole epochs
  optimizer_->options().lr(o.lr());
  net_->train();
  while (loop.running(state_)) {
    if (loop.stop_requested(state_)) break;
    if (state_.epoch_step == 0) loop.meter().start_epoch();
    bool epoch_done = false;
    auto idx = order.next(state_, rng_, &epoch_done);
    loop.check_cancelled(state_.step);
    auto x = data.index_select(0, idx), t = y.index_select(0, idx);
    auto logits = net_->forward(x);
    auto loss = F::cross_entropy(logits, t);
    optimizer_->zero_grad();
    loss.backward();
    optimizer_->step();
    auto correct = logits.argmax(1).eq(t).to(torch::kFloat64).sum();
    loop.meter().add({loss.detach() * x.size(0), correct.detach()}, x.size(0), state_.step + 1);
    ++state_.step;
    loop.progress(state_, epoch_done, state_.epoch - (epoch_done ? 1 : 0),
                  epoch_done ? order.per_epoch() : state_.epoch_step, order.per_epoch());
    if (epoch_done) loop.epoch_event(state_);
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
