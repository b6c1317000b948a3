#include "adam.h"

#include <cmath>
#include <map>

#include "../core/error.h"

namespace gentorch {

Adam::Adam(std::vector<std::pair<std::string, torch::Tensor>> named_params, AdamOptions options)
    : options_(options) {
  for (auto& [name, p] : named_params) {
    names_.push_back(name);
    params_.push_back(p);
    exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  }
}

void Adam::zero_grad() {
  for (auto& p : params_) {
    if (p.grad().defined()) p.mutable_grad().reset();  // set_to_none, as PyTorch >= 2.0 does
  }
}

void Adam::step() {
  torch::NoGradGuard no_grad;
  ++step_;
  const double b1 = options_.beta1(), b2 = options_.beta2();
  const double bias1 = 1.0 - std::pow(b1, static_cast<double>(step_));
  const double bias2_sqrt = std::sqrt(1.0 - std::pow(b2, static_cast<double>(step_)));
  const double step_size = options_.lr() / bias1;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    if (!p.grad().defined()) continue;
    auto grad = p.grad();
    if (options_.weight_decay() != 0.0) grad = grad.add(p, options_.weight_decay());
    exp_avg_[i].lerp_(grad, 1.0 - b1);
    exp_avg_sq_[i].mul_(b2).addcmul_(grad, grad, 1.0 - b2);
    auto denom = (exp_avg_sq_[i].sqrt() / bias2_sqrt).add_(options_.eps());
    p.addcdiv_(exp_avg_[i], denom, -step_size);
  }
}

std::vector<std::pair<std::string, torch::Tensor>> Adam::state() const {
  std::vector<std::pair<std::string, torch::Tensor>> out;
  for (size_t i = 0; i < names_.size(); ++i) {
    out.emplace_back(names_[i] + ".exp_avg", exp_avg_[i]);
    out.emplace_back(names_[i] + ".exp_avg_sq", exp_avg_sq_[i]);
  }
  return out;
}

void Adam::load_state(const std::vector<std::pair<std::string, torch::Tensor>>& state, int64_t step) {
  std::map<std::string, torch::Tensor> by_name(state.begin(), state.end());
  torch::NoGradGuard no_grad;
  auto restore = [&](const std::string& key, torch::Tensor& into) {
    auto it = by_name.find(key);
    if (it == by_name.end()) fail("E_CHECKPOINT", "optimizer state is missing tensor ", key);
    if (it->second.sizes() != into.sizes()) {
      fail("E_CHECKPOINT", "optimizer tensor ", key, " has shape ", it->second.sizes(), " but the model needs ", into.sizes());
    }
    into.copy_(it->second);
  };
  for (size_t i = 0; i < names_.size(); ++i) {
    restore(names_[i] + ".exp_avg", exp_avg_[i]);
    restore(names_[i] + ".exp_avg_sq", exp_avg_sq_[i]);
  }
  step_ = step;
}

}  // namespace gentorch
