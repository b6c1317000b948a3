#include "classifier_trainer.h"

#include <map>
#include <vector>

#include "../core/device.h"
#include "../core/error.h"
#include "images.h"
#include "loss_meter.h"
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
  for (auto& p : net_->named_parameters()) out.emplace_back(p.key(), p.value().detach().cpu().contiguous().clone());
  if (optimizer) {
    for (auto& [name, t] : optimizer_->state())
      out.emplace_back("optim." + name, t.detach().cpu().contiguous().clone());
  }
  return out;
}

void ClassifierModel::import_state(const NamedTensors& tensors, const TrainingState& state) {
  std::map<std::string, torch::Tensor> by_name(tensors.begin(), tensors.end());
  torch::NoGradGuard no_grad;
  for (auto& p : net_->named_parameters()) {
    auto it = by_name.find(p.key());
    if (it == by_name.end()) fail("E_CHECKPOINT", "checkpoint is missing tensor ", p.key());
    if (it->second.sizes() != p.value().sizes())
      fail("E_CHECKPOINT", "tensor ", p.key(), " has shape ", it->second.sizes(), " but the model needs ",
           p.value().sizes());
    if (!torch::isfinite(it->second).all().item<bool>())
      fail("E_CHECKPOINT", "tensor ", p.key(), " holds NaN or infinite values");
    p.value().copy_(it->second);
  }
  state_ = state;
}

double frechet_distance(const torch::Tensor& a_in, const torch::Tensor& b_in) {
  if (a_in.dim() != 2 || b_in.dim() != 2 || a_in.size(1) != b_in.size(1)) {
    fail("E_SHAPE", "Expected two feature sets [N, D] and [M, D] but received ", a_in.sizes(), " and ", b_in.sizes());
  }
  if (a_in.size(0) < 2 || b_in.size(0) < 2)
    fail("E_DATA", "Expected at least 2 samples per feature set for a Frechet distance");
  auto a = a_in.to(torch::kFloat64), b = b_in.to(torch::kFloat64);
  auto mu_a = a.mean(0), mu_b = b.mean(0);
  auto cov = [](const torch::Tensor& x, const torch::Tensor& mu) {
    auto c = x - mu;
    return c.t().mm(c) / (x.size(0) - 1);
  };
  auto s_a = cov(a, mu_a), s_b = cov(b, mu_b);
  // S_a^(1/2) from its eigendecomposition (symmetric PSD; tiny negative eigenvalues clamped).
  auto eig_a = torch::linalg_eigh(s_a, "L");
  auto root_a = std::get<1>(eig_a).mm(torch::diag(std::get<0>(eig_a).clamp_min(0).sqrt())).mm(std::get<1>(eig_a).t());
  auto m = root_a.mm(s_b).mm(root_a);
  auto trace_sqrt = torch::linalg_eigvalsh(0.5 * (m + m.t()), "L").clamp_min(0).sqrt().sum();
  auto d = (mu_a - mu_b).pow(2).sum() + s_a.trace() + s_b.trace() - 2 * trace_sqrt;
  return d.item<double>();
}

namespace {

constexpr int64_t kDistanceRows = 1024;  // rows of a distance block: 1024 x N floats at a time

// Squared distances between rows of a [n, D] and b [m, D].
torch::Tensor squared_distances(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& b_norms) {
  return (a.pow(2).sum(1, true) + b_norms.unsqueeze(0) - 2 * a.mm(b.t())).clamp_min(0);
}

// Squared distance of each point of x to its k-th nearest other point of x.
torch::Tensor kth_radii(const torch::Tensor& x, int64_t k) {
  auto norms = x.pow(2).sum(1);
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += kDistanceRows) {
    auto d = squared_distances(x.slice(0, i, std::min(x.size(0), i + kDistanceRows)), x, norms);
    parts.push_back(std::get<0>(d.topk(k + 1, 1, /*largest=*/false)).select(1, k));  // index 0 is the point itself
  }
  return torch::cat(parts);
}

// Share of the points of `query` within the ball of at least one point of `ref`.
double share_inside(const torch::Tensor& query, const torch::Tensor& ref, const torch::Tensor& ref_radii) {
  auto norms = ref.pow(2).sum(1);
  int64_t inside = 0;
  for (int64_t i = 0; i < query.size(0); i += kDistanceRows) {
    auto d = squared_distances(query.slice(0, i, std::min(query.size(0), i + kDistanceRows)), ref, norms);
    inside += (d <= ref_radii.unsqueeze(0)).any(1).sum().item<int64_t>();
  }
  return static_cast<double>(inside) / static_cast<double>(query.size(0));
}

}  // namespace

PrecisionRecall precision_recall(const torch::Tensor& real_in, const torch::Tensor& fake_in, int64_t k) {
  if (real_in.dim() != 2 || fake_in.dim() != 2 || real_in.size(1) != fake_in.size(1)) {
    fail("E_SHAPE", "Expected two feature sets [N, D] and [M, D] but received ", real_in.sizes(), " and ",
         fake_in.sizes());
  }
  if (k < 1) fail("E_CONFIG", "Expected positive integer for k but received ", k);
  if (real_in.size(0) <= k || fake_in.size(0) <= k) {
    fail("E_DATA", "Expected more than k = ", k, " points per feature set but received ", real_in.size(0), " and ",
         fake_in.size(0));
  }
  torch::NoGradGuard no_grad;
  auto real = real_in.to(torch::kFloat64), fake = fake_in.to(torch::kFloat64);
  PrecisionRecall out;
  out.precision = share_inside(fake, real, kth_radii(real, k));
  out.recall = share_inside(real, fake, kth_radii(fake, k));
  return out;
}

}  // namespace gentorch
