// Images onto the training device, checked against the shape a model takes:
// uint8 pixels become floats in [0, 1]; floats are taken as they are.
#pragma once

#include <torch/torch.h>

#include <string>

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

// E_NUMERIC naming the first parameter of `module` that holds NaN or Inf
// (syncs; for checkpoint time, never per step).
void check_parameters_finite(const torch::nn::Module& module, const std::string& prefix, int64_t step,
                             const char* hint);

}  // namespace gentorch
