#include "adam.h"

#include <algorithm>
#include <cmath>
#include <map>

#include <ATen/Parallel.h>
#include <torch/version.h>

#include "../core/error.h"

namespace gentorch {

namespace {

// One pass of Adam over a float32 parameter on the CPU: reads p, g, m, v once
// and writes p, m, v once, where the op-by-op update below makes about ten
// passes (and allocates two temporaries) per parameter. Same arithmetic as
// torch.optim.Adam's single-tensor path: m.lerp_(g, 1 - b1),
// v.mul_(b2).addcmul_(g, g, 1 - b2), p.addcdiv_(m, sqrt(v) / bias2_sqrt + eps, -step_size),
// in ATen's scalar forms (lerp by weight below or above one half) and without
// fused multiply-adds (-ffp-contract=off), so compilers and CPUs agree.
// Written by hand because libtorch 1.13 has no fused CPU Adam (torch's
// _fused_adam_ reaches the CPU only in 2.4). Cloned for AVX2 + FMA (Haswell
// and later) with a plain x86-64 fallback; built with -fno-math-errno so the
// loop vectorises (CMakeLists.txt).
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define GENTORCH_CLONES __attribute__((target_clones("arch=haswell", "default")))
#else
#define GENTORCH_CLONES
#endif
GENTORCH_CLONES
void adam_kernel(float* __restrict p, const float* __restrict g, float* __restrict m, float* __restrict v, int64_t n,
                 float w1, float b2, float w2, float bias2_sqrt, float eps, float neg_step, float wd) {
  for (int64_t j = 0; j < n; ++j) {
    const float gj = wd != 0.0f ? g[j] + wd * p[j] : g[j];
    // ATen's lerp: the form depends on whether the weight is below one half.
    const float mj = w1 < 0.5f ? m[j] + w1 * (gj - m[j]) : gj - (gj - m[j]) * (1.0f - w1);
    const float vj = v[j] * b2 + (w2 * gj) * gj;
    m[j] = mj;
    v[j] = vj;
    p[j] += neg_step * (mj / (std::sqrt(vj) / bias2_sqrt + eps));
  }
}

bool fusable(const torch::Tensor& p, const torch::Tensor& g, const torch::Tensor& m, const torch::Tensor& v) {
  auto ok = [&](const torch::Tensor& t) {
    return t.device().is_cpu() && t.scalar_type() == torch::kFloat32 && t.is_contiguous() &&
           t.layout() == torch::kStrided && t.numel() == p.numel();
  };
  return ok(p) && ok(g) && ok(m) && ok(v);
}

// _fused_adam_'s CUDA kernel, with these arguments, from libtorch 2.0 on
// (2.1 is the oldest CUDA wheel this was written against).
constexpr bool kFusedCuda = TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1);

}  // namespace

Adam::Adam(std::vector<std::pair<std::string, torch::Tensor>> named_params, AdamOptions options) : options_(options) {
  for (auto& [name, p] : named_params) {
    names_.push_back(name);
    params_.push_back(p);
    exp_avg_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
    exp_avg_sq_.push_back(torch::zeros_like(p, torch::MemoryFormat::Preserve));
  }
  fused_ = kFusedCuda && !params_.empty();
  for (const auto& p : params_) fused_ = fused_ && p.is_cuda() && p.scalar_type() == torch::kFloat32;
  if (fused_) {
    for (const auto& p : params_) device_steps_.push_back(torch::zeros({}, p.options()));
  }
}

void Adam::set_steps(int64_t steps) {
  step_ = steps;
  torch::NoGradGuard no_grad;
  for (auto& t : device_steps_) t.fill_(static_cast<double>(steps));
}

void Adam::zero_grad() {
  for (auto& p : params_) {
    if (p.grad().defined()) p.mutable_grad().reset();  // set_to_none, as PyTorch >= 2.0 does
  }
}

void Adam::step() {
  torch::NoGradGuard no_grad;
  ++step_;
  if (fused_) {
    // Every count moves on, as the single host count of the CPU path does.
    at::_foreach_add_(device_steps_, 1);
    std::vector<torch::Tensor> p, g, m, v, s;
    for (size_t i = 0; i < params_.size(); ++i) {
      if (!params_[i].grad().defined()) continue;
      p.push_back(params_[i]);
      g.push_back(params_[i].grad());
      m.push_back(exp_avg_[i]);
      v.push_back(exp_avg_sq_[i]);
      s.push_back(device_steps_[i]);
    }
    if (!p.empty()) {
      at::_fused_adam_(p, g, m, v, {}, s, options_.lr(), options_.beta1(), options_.beta2(), options_.weight_decay(),
                       options_.eps(),
                       /*amsgrad=*/false, /*maximize=*/false);
    }
    return;
  }
  const double b1 = options_.beta1(), b2 = options_.beta2();
  const double bias1 = 1.0 - std::pow(b1, static_cast<double>(step_));
  const double bias2_sqrt = std::sqrt(1.0 - std::pow(b2, static_cast<double>(step_)));
  const double step_size = options_.lr() / bias1;
  for (size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    if (!p.grad().defined()) continue;
    auto grad = p.grad();
    if (fusable(p, grad, exp_avg_[i], exp_avg_sq_[i])) {
      float* pd = p.data_ptr<float>();
      const float* gd = grad.data_ptr<float>();
      float* md = exp_avg_[i].data_ptr<float>();
      float* vd = exp_avg_sq_[i].data_ptr<float>();
      const float w1 = 1.0 - b1, fb2 = b2, w2 = 1.0 - b2, fbias2_sqrt = bias2_sqrt;
      const float eps = options_.eps(), neg_step = -step_size, wd = options_.weight_decay();
      at::parallel_for(0, p.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
        adam_kernel(pd + begin, gd + begin, md + begin, vd + begin, end - begin, w1, fb2, w2, fbias2_sqrt, eps,
                    neg_step, wd);
      });
      continue;
    }
    if (options_.weight_decay() != 0.0) grad = grad.add(p, options_.weight_decay());
    exp_avg_[i].lerp_(grad, 1.0 - b1);
    exp_avg_sq_[i].mul_(b2).addcmul_(grad, grad, 1.0 - b2);
    auto denom = (exp_avg_sq_[i].sqrt() / bias2_sqrt).add_(options_.eps());
    p.addcdiv_(exp_avg_[i], denom, -step_size);
  }
}

void Adam::step_rows(const std::string& name, const torch::Tensor& index, const torch::Tensor& grad_rows,
                     double lr_scale) {
  torch::NoGradGuard no_grad;
  const auto at = std::find(names_.begin(), names_.end(), name);
  if (at == names_.end()) fail("E_INTERNAL", "Adam has no parameter named ", name);
  const size_t i = static_cast<size_t>(at - names_.begin());
  const double b1 = options_.beta1(), b2 = options_.beta2(), t = static_cast<double>(std::max<int64_t>(step_, 1));
  auto m = exp_avg_[i].index_select(0, index).lerp_(grad_rows, 1.0 - b1);
  auto v = exp_avg_sq_[i].index_select(0, index).mul_(b2).addcmul_(grad_rows, grad_rows, 1.0 - b2);
  auto denom = (v.sqrt() / std::sqrt(1.0 - std::pow(b2, t))).add_(options_.eps());
  auto rows = params_[i].index_select(0, index).addcdiv_(m, denom, -options_.lr() * lr_scale / (1.0 - std::pow(b1, t)));
  exp_avg_[i].index_copy_(0, index, m);
  exp_avg_sq_[i].index_copy_(0, index, v);
  params_[i].index_copy_(0, index, rows);
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
      fail("E_CHECKPOINT", "optimizer tensor ", key, " has shape ", it->second.sizes(), " but the model needs ",
           into.sizes());
    }
    into.copy_(it->second);
  };
  for (size_t i = 0; i < names_.size(); ++i) {
    restore(names_[i] + ".exp_avg", exp_avg_[i]);
    restore(names_[i] + ".exp_avg_sq", exp_avg_sq_[i]);
  }
  set_steps(step);
}

}  // namespace gentorch
