// What a fit does with a step whose loss or gradients are NaN or infinite.
// "stop" (the default) costs nothing per step: the loss meter remembers the
// first bad step on the device, and the fit stops with E_NUMERIC naming it at
// the next reporting point or checkpoint, before any bad weights are written.
// "skip" checks each step before the optimizer applies it (one host sync per
// optimizer step): a bad step is dropped, gradients and all, and counted; a
// run of kMaxConsecutiveSkips bad steps in a row still stops with E_NUMERIC,
// so a run that has truly diverged does not spin to its end.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace gentorch {

class NanGuard {
 public:
  static constexpr int64_t kMaxConsecutiveSkips = 100;

  // "stop" | "skip"; anything else is E_CONFIG.
  explicit NanGuard(const std::string& on_nan);

  bool skipping() const { return skip_; }
  // Always true for "stop". For "skip": whether `loss` and every gradient of
  // `params` are finite; on false the caller must not step its optimizer.
  bool admit(const torch::Tensor& loss, const std::vector<torch::Tensor>& params, int64_t step);
  // The same with a total gradient norm already computed (GAN clipping does).
  bool admit_norm(const torch::Tensor& loss, const torch::Tensor& grad_norm, int64_t step);
  // Optimizer steps dropped so far.
  int64_t skipped() const { return skipped_; }

 private:
  bool record(bool finite, int64_t step);

  bool skip_ = false;
  int64_t skipped_ = 0, consecutive_ = 0;
};

}  // namespace gentorch
