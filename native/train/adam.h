// Adam, exactly as torch.optim.Adam (amsgrad off, L2 weight decay), with its
// state kept as plain named tensors. Why not torch::optim::Adam: its state map
// is keyed by TensorImpl addresses whose string form differs across libtorch
// versions, so a checkpoint could not restore it portably; and owning the step
// lets the performance work swap in foreach or capture-safe updates.
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace gentorch {

/// Adam hyperparameters; defaults are PyTorch's.
struct AdamOptions {
  TORCH_ARG(double, lr) = 1e-3;
  TORCH_ARG(double, beta1) = 0.9;
  TORCH_ARG(double, beta2) = 0.999;
  TORCH_ARG(double, eps) = 1e-8;
  TORCH_ARG(double, weight_decay) = 0.0;
};

class Adam {
 public:
  Adam(std::vector<std::pair<std::string, torch::Tensor>> named_params, AdamOptions options);

  void zero_grad();
  // One update of every parameter that has a gradient. On CUDA (libtorch >=
  // 2.1) one fused kernel for all of them (torch's _fused_adam_, as
  // torch.optim.Adam(fused=True)) with the step count kept on the device, so
  // the update can be captured in a CUDA graph (step_graph.h).
  void step();

  // A lazy, row-sparse update of the parameter `name` (as torch.optim.SparseAdam):
  // only its rows `index` [U] move, with gradients `grad_rows` [U, ...], at
  // lr * lr_scale; the other rows and their moments stay. Call it after
  // step(), whose count it shares; that parameter has no dense gradient.
  void step_rows(const std::string& name, const torch::Tensor& index, const torch::Tensor& grad_rows, double lr_scale);

  AdamOptions& options() { return options_; }
  int64_t steps() const { return step_; }
  // The step count bias correction uses (data-parallel ranks take rank 0's).
  void set_steps(int64_t steps);
  // A CUDA graph replayed n captured step() calls: the device's step counts
  // moved on inside the graph; this moves the host's on with them.
  void count_replayed_steps(int64_t n) { step_ += n; }

  // Moments as "<param>.exp_avg" / "<param>.exp_avg_sq"; the step count is
  // kept by the caller's training state.
  std::vector<std::pair<std::string, torch::Tensor>> state() const;
  // Restores moments saved by state(); names and shapes must match (E_CHECKPOINT).
  void load_state(const std::vector<std::pair<std::string, torch::Tensor>>& state, int64_t step);

 private:
  std::vector<std::string> names_;
  std::vector<torch::Tensor> params_, exp_avg_, exp_avg_sq_;
  AdamOptions options_;
  int64_t step_ = 0;
  // The fused device path: one float32 step count per parameter on its device
  // (what _fused_adam_ reads), kept equal to step_.
  bool fused_ = false;
  std::vector<torch::Tensor> device_steps_;
};

}  // namespace gentorch
