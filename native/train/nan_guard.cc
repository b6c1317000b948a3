#include "nan_guard.h"

#include "../core/error.h"

namespace gentorch {

NanGuard::NanGuard(const std::string& on_nan) {
  if (on_nan != "stop" && on_nan != "skip")
    fail("E_CONFIG", "Expected onNan stop or skip but received \"", on_nan, "\"");
  skip_ = on_nan == "skip";
}

bool NanGuard::admit(const torch::Tensor& loss, const std::vector<torch::Tensor>& params, int64_t step) {
  if (!skip_) return true;
  // One scalar for everything: a NaN or Inf anywhere makes the sum non-finite
  // (a finite overflow to Inf only drops a step that was near overflow anyway).
  std::vector<torch::Tensor> sums{loss.detach().to(torch::kFloat32).sum()};
  for (const auto& p : params) {
    if (p.grad().defined()) sums.push_back(p.grad().sum().to(torch::kFloat32));
  }
  return record(torch::stack(sums).sum().isfinite().item<bool>(), step);
}

bool NanGuard::admit_norm(const torch::Tensor& loss, const torch::Tensor& grad_norm, int64_t step) {
  if (!skip_) return true;
  auto both = loss.detach().to(torch::kFloat32).sum() + grad_norm.detach().to(torch::kFloat32);
  return record(both.isfinite().item<bool>(), step);
}

bool NanGuard::record(bool finite, int64_t step) {
  if (finite) {
    consecutive_ = 0;
    return true;
  }
  ++skipped_;
  if (++consecutive_ >= kMaxConsecutiveSkips) {
    fail("E_NUMERIC", "The loss or gradients were NaN or infinite for ", consecutive_, " steps in a row, up to step ",
         step, " (", skipped_, " skipped in all; try a smaller lr)");
  }
  return false;
}

}  // namespace gentorch
