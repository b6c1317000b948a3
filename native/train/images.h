// Images onto the training device, checked against the shape a model takes:
// uint8 pixels become floats in [0, 1]; floats are taken as they are.
#pragma once

#include <torch/torch.h>

#include <algorithm>
#include <string>
#include <vector>

namespace gentorch {

// E_SHAPE unless images are [N, channels, height, width]; E_DATA when N is 0.
torch::Tensor images_to_device(const torch::Tensor& images, int64_t channels, int64_t height, int64_t width,
                               torch::Device device, const std::string& what);

// The same checks, for a training set that stays on the device for a whole
// fit: uint8 pixels stay uint8 (a quarter of the memory of floats) and become
// floats batch by batch (as_floats); other dtypes become float32 at once.
torch::Tensor resident_images(const torch::Tensor& images, int64_t channels, int64_t height, int64_t width,
                              torch::Device device, const std::string& what);
// A gathered batch of resident images as floats: uint8 to [0, 1], the same
// values images_to_device gives; floats as they are.
torch::Tensor as_floats(const torch::Tensor& batch);

// Inference on rows [i, i + chunk) of n at a time, the results concatenated
// on the CPU: evaluating 10,000 images never holds 10,000 images'
// activations at once (a DCGAN's would take gigabytes). f(begin, end)
// returns the rows' result on any device.
template <class F>
torch::Tensor in_chunks(int64_t n, F&& f, int64_t chunk = 500) {
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < n; i += chunk) parts.push_back(f(i, std::min(n, i + chunk)).cpu());
  return parts.size() == 1 ? parts[0] : torch::cat(parts);
}

// E_NUMERIC naming the first parameter of `module` that holds NaN or Inf
// (syncs; for checkpoint time, never per step).
void check_parameters_finite(const torch::nn::Module& module, const std::string& prefix, int64_t step,
                             const char* hint);

}  // namespace gentorch
