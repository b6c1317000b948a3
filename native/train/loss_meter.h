// Per-step losses accumulated on the training device and read back only at
// reporting points: no host sync per step. Also tracks the first step whose
// loss was NaN or infinite, so a fit can stop with E_NUMERIC naming it.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <map>
#include <string>
#include <vector>

namespace gentorch {

class LossMeter {
 public:
  LossMeter(std::vector<std::string> names, torch::Device device);

  // Adds one step's summed losses (scalar tensors, in the order of `names`;
  // the first is the one checked for finiteness) over `images` images.
  void add(const std::vector<torch::Tensor>& sums, int64_t images, int64_t step);
  // Throws E_NUMERIC if any loss so far was NaN or infinite (syncs).
  void check_finite() const;

  // Per-image means since the last window and the window's images/s; resets the window.
  std::map<std::string, double> take_window(double* images_per_second);
  // Per-image means of the epoch so far, and its seconds.
  std::map<std::string, double> epoch_means(double* seconds) const;
  void start_epoch();

  // The window's (or with `epoch` the epoch's) sums and image count, as
  // tensors to sum over data-parallel ranks, and their totals written back.
  std::vector<torch::Tensor> sums(bool epoch) const;
  void set_sums(bool epoch, const std::vector<torch::Tensor>& totals);

 private:
  std::map<std::string, double> means(const torch::Tensor& sums, int64_t images) const;

  using Clock = std::chrono::steady_clock;
  std::vector<std::string> names_;
  torch::Tensor window_, epoch_, first_bad_;
  int64_t window_images_ = 0, epoch_images_ = 0;
  Clock::time_point window_start_, epoch_start_;
};

}  // namespace gentorch
