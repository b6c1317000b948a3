#include "checkpoint_state.h"

#include "../core/error.h"

namespace gentorch {

namespace {
bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

void check_finite(const std::string& name, const torch::Tensor& t) {
  if (!torch::isfinite(t).all().item<bool>()) fail("E_CHECKPOINT", "tensor ", name, " holds NaN or infinite values");
}
}  // namespace

void add_snapshot(NamedTensors& out, const NamedTensors& list, const std::string& prefix) {
  for (const auto& [name, t] : list) out.emplace_back(prefix + name, t.detach().cpu().contiguous().clone());
}

NamedTensors LoadedState::with_prefix(const std::string& prefix) const {
  NamedTensors out;
  for (const auto& [name, t] : by_name)
    if (starts_with(name, prefix)) out.emplace_back(name.substr(prefix.size()), t);
  return out;
}

LoadedState load_checked(const NamedTensors& tensors, const StateSpec& spec) {
  std::map<std::string, torch::Tensor> targets(spec.targets.begin(), spec.targets.end());
  std::map<std::string, torch::Tensor> found;
  LoadedState side;
  for (const auto& [name, t] : tensors) {  // names first, in the file's order
    if (targets.count(name) > 0) {
      found[name] = t;
      continue;
    }
    bool known = false;
    for (const auto& prefix : spec.optimizer_prefixes) {
      if (!starts_with(name, prefix)) continue;
      if (!t.is_floating_point())
        fail("E_CHECKPOINT", "tensor ", name, " has dtype ", t.scalar_type(),
             " but optimizer moments are floating point");
      check_finite(name, t);
      known = true;
    }
    for (const auto& key : spec.rng_keys) {
      if (name != key) continue;
      if (t.scalar_type() != torch::kUInt8)
        fail("E_CHECKPOINT", "random state ", name, " has dtype ", t.scalar_type(), " but random states are uint8");
      known = true;
    }
    if (!known) fail("E_CHECKPOINT", "unexpected tensor ", name, " for this model");
    side.by_name[name] = t;
  }
  for (const auto& [name, target] : spec.targets) {  // then the model's tensors, in its order
    auto it = found.find(name);
    if (it == found.end()) fail("E_CHECKPOINT", "checkpoint is missing tensor ", name);
    const torch::Tensor& t = it->second;
    if (t.sizes() != target.sizes())
      fail("E_CHECKPOINT", "tensor ", name, " has shape ", t.sizes(), " but the model needs ", target.sizes());
    if (t.scalar_type() != target.scalar_type())
      fail("E_CHECKPOINT", "tensor ", name, " has dtype ", t.scalar_type(), " but the model needs ",
           target.scalar_type());
    if (t.is_floating_point()) check_finite(name, t);
  }
  torch::NoGradGuard no_grad;
  for (const auto& [name, target] : spec.targets) {
    torch::Tensor into = target;  // shares storage with the model's tensor
    into.copy_(found.at(name));
  }
  return side;
}

}  // namespace gentorch
