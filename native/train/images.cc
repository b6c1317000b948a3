#include "images.h"

#include "../core/error.h"

namespace gentorch {

torch::Tensor resident_images(const torch::Tensor& images, int64_t channels, int64_t height, int64_t width,
                              torch::Device device, const std::string& what) {
  if (images.dim() != 4 || images.size(1) != channels || images.size(2) != height || images.size(3) != width) {
    fail("E_SHAPE", "Expected ", what, " of shape [N, ", channels, ", ", height, ", ", width, "] but received ",
         images.sizes());
  }
  if (images.size(0) == 0) fail("E_DATA", "Expected at least one image in ", what, " but received none");
  if (images.scalar_type() == torch::kUInt8) return images.to(device).contiguous();
  return images.to(device, torch::kFloat32).contiguous();
}

torch::Tensor as_floats(const torch::Tensor& batch) {
  if (batch.scalar_type() == torch::kUInt8) return batch.to(torch::kFloat32).div_(255.0);
  return batch;
}

torch::Tensor images_to_device(const torch::Tensor& images, int64_t channels, int64_t height, int64_t width,
                               torch::Device device, const std::string& what) {
  return as_floats(resident_images(images, channels, height, width, device, what));
}

void check_parameters_finite(const torch::nn::Module& module, const std::string& prefix, int64_t step,
                             const char* hint) {
  torch::NoGradGuard no_grad;
  for (const auto& item : module.named_parameters()) {
    if (!torch::isfinite(item.value()).all().item<bool>()) {
      fail("E_NUMERIC", "The weights of ", prefix, item.key(), " became NaN or infinite at step ", step, " (", hint,
           ")");
    }
  }
}

}  // namespace gentorch
