// Images onto the training device, checked against the shape a model takes:
// uint8 pixels become floats in [0, 1]; floats are taken as they are.
#pragma once

#include <torch/torch.h>

#include <string>

namespace gentorch {

// E_SHAPE unless images are [N, channels, height, width]; E_DATA when N is 0.
torch::Tensor images_to_device(const torch::Tensor& images, int64_t channels, int64_t height, int64_t width,
                               torch::Device device, const std::string& what);

// E_NUMERIC naming the first parameter of `module` that holds NaN or Inf
// (syncs; for checkpoint time, never per step).
void check_parameters_finite(const torch::nn::Module& module, const std::string& prefix, int64_t step, const char* hint);

}  // namespace gentorch
