// A GAN's checkpoint tensors: both networks (and G's EMA), and with the
// optimizer both Adams' moments and the random streams, for exact resume.
#include <map>

#include "../core/error.h"
#include "gan_trainer.h"
#include "seeding.h"

namespace gentorch {

NamedTensors GanModel::export_state(bool optimizer) {
  NamedTensors out;
  auto add = [&](const NamedTensors& list, const std::string& prefix) {
    for (const auto& [name, t] : list) out.emplace_back(prefix + name, t.detach().cpu().contiguous().clone());
  };
  add(named(*g_, ""), "generator.");
  add(named(*d_, ""), "discriminator.");
  if (g_ema_) add(named(*g_ema_, ""), "generator_ema.");
  if (optimizer) {
    add(opt_g_->state(), "optim_g.");
    add(opt_d_->state(), "optim_d.");
    out.emplace_back("rng.cpu", rng_.get_state());
    if (!device_.is_cpu()) out.emplace_back("rng.noise", noise_.get_state().cpu());
  }
  return out;
}

void GanModel::import_state(const NamedTensors& tensors, const TrainingState& state) {
  std::map<std::string, torch::Tensor> by_name(tensors.begin(), tensors.end());
  std::map<std::string, torch::Tensor> targets;
  for (auto& [n, t] : named(*g_, "generator.")) targets.emplace(n, t);
  for (auto& [n, t] : named(*d_, "discriminator.")) targets.emplace(n, t);
  if (g_ema_)
    for (auto& [n, t] : named(*g_ema_, "generator_ema.")) targets.emplace(n, t);
  for (const auto& [name, t] : tensors) {
    const bool extra = name.rfind("optim_g.", 0) == 0 || name.rfind("optim_d.", 0) == 0 || name.rfind("rng.", 0) == 0;
    if (!extra && targets.count(name) == 0) fail("E_CHECKPOINT", "unexpected tensor ", name, " for this model");
    if (!extra && t.is_floating_point() && !torch::isfinite(t).all().item<bool>())
      fail("E_CHECKPOINT", "tensor ", name, " holds NaN or infinite values");
  }
  torch::NoGradGuard no_grad;
  for (auto& [name, target] : targets) {
    auto it = by_name.find(name);
    if (it == by_name.end()) fail("E_CHECKPOINT", "checkpoint is missing tensor ", name);
    if (it->second.sizes() != target.sizes()) {
      fail("E_CHECKPOINT", "tensor ", name, " has shape ", it->second.sizes(), " but the model needs ", target.sizes());
    }
    target.copy_(it->second);
  }
  auto strip = [&](const std::string& prefix) {
    NamedTensors out;
    for (const auto& [name, t] : tensors)
      if (name.rfind(prefix, 0) == 0) out.emplace_back(name.substr(prefix.size()), t);
    return out;
  };
  auto og = strip("optim_g."), od = strip("optim_d.");
  if (!og.empty()) opt_g_->load_state(og, state.step);
  if (!od.empty()) opt_d_->load_state(od, state.step * config_.n_critic);
  restore_rng(by_name, "rng.cpu", rng_);
  if (!device_.is_cpu()) restore_rng(by_name, "rng.noise", noise_);
  state_ = state;
  perm_ = torch::Tensor();
}

}  // namespace gentorch
