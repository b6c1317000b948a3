#include "loss_meter.h"

#include <limits>

#include "../core/error.h"

namespace gentorch {

namespace {
double seconds_between(std::chrono::steady_clock::time_point a, std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}
}  // namespace

LossMeter::LossMeter(std::vector<std::string> names, torch::Device device) : names_(std::move(names)) {
  auto opts = torch::TensorOptions().dtype(torch::kFloat64).device(device);
  window_ = torch::zeros({static_cast<int64_t>(names_.size())}, opts);
  epoch_ = window_.clone();
  first_bad_ = torch::full({}, -1, torch::TensorOptions().dtype(torch::kInt64).device(device));
  window_start_ = epoch_start_ = Clock::now();
}

void LossMeter::add(const std::vector<torch::Tensor>& sums, int64_t images, int64_t step) {
  auto parts = torch::stack(sums).to(torch::kFloat64);
  window_.add_(parts);
  epoch_.add_(parts);
  // Stays on the device: remembers `step` if this is the first non-finite loss.
  first_bad_ = torch::where(first_bad_.lt(0) & sums[0].isfinite().logical_not(), step, first_bad_);
  window_images_ += images;
  epoch_images_ += images;
}

void LossMeter::check_finite() const {
  const int64_t bad = first_bad_.item<int64_t>();
  if (bad >= 0) fail("E_NUMERIC", "The loss became NaN or infinite at step ", bad, " (try a smaller lr)");
}

std::map<std::string, double> LossMeter::means(const torch::Tensor& sums, int64_t images) const {
  auto host = sums.cpu();
  const double* v = host.data_ptr<double>();
  // No images (every step of the window skipped as NaN): no mean, not zero.
  const double n = images > 0 ? static_cast<double>(images) : std::numeric_limits<double>::quiet_NaN();
  std::map<std::string, double> out;
  for (size_t i = 0; i < names_.size(); ++i) out[names_[i]] = v[i] / n;
  return out;
}

std::map<std::string, double> LossMeter::take_window(double* images_per_second) {
  auto now = Clock::now();
  auto out = means(window_, window_images_);
  if (images_per_second) *images_per_second = window_images_ / std::max(1e-9, seconds_between(window_start_, now));
  window_.zero_();
  window_images_ = 0;
  window_start_ = now;
  return out;
}

std::map<std::string, double> LossMeter::epoch_means(double* seconds) const {
  if (seconds) *seconds = seconds_between(epoch_start_, Clock::now());
  return means(epoch_, epoch_images_);
}

std::vector<torch::Tensor> LossMeter::sums(bool epoch) const {
  const int64_t images = epoch ? epoch_images_ : window_images_;
  return {(epoch ? epoch_ : window_).clone(), torch::full({1}, static_cast<double>(images), torch::kFloat64)};
}

void LossMeter::set_sums(bool epoch, const std::vector<torch::Tensor>& totals) {
  (epoch ? epoch_ : window_).copy_(totals[0]);
  const auto images = static_cast<int64_t>(totals[1].item<double>());
  (epoch ? epoch_images_ : window_images_) = images;
}

void LossMeter::start_epoch() {
  epoch_.zero_();
  epoch_images_ = 0;
  epoch_start_ = Clock::now();
}

}  // namespace gentorch
