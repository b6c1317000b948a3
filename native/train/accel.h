// The GPU fast paths of a fit: cuDNN autotuning, channels-last weights and
// activations, and bf16 autocast. All are decided from the device and the
// model, so the CPU build and CPU fits never take them unless asked
// (precision "bfloat16" also autocasts on the CPU, for tests and for CPUs
// with bf16 units). No CUDA header is included: the same source compiles
// against Debian's CPU libtorch 1.13 and the CUDA wheels' 2.x.
#pragma once

#include <torch/torch.h>

#include <string>

namespace gentorch {

enum class Precision { kFloat32, kBFloat16 };

// "auto": bf16 autocast for convolutional models on CUDA (tensor cores; the
// weights and Adam stay float32), float32 otherwise. "float32" | "bfloat16"
// force it. Anything else is E_CONFIG.
Precision resolve_precision(const std::string& spec, torch::Device device, bool convolutional);
const char* precision_name(Precision p);

// Channels-last pays on CUDA convolutions (cuDNN's NHWC kernels, and what
// bf16 tensor cores want); on the CPU it is left off.
bool use_channels_last(torch::Device device, bool convolutional);

// Turns every 4-D parameter of `module` channels-last, in place (before an
// optimizer takes its moments' layout from them). Values are unchanged.
void to_channels_last(torch::nn::Module& module);

// A batch as the model's layers want it (channels-last where use_channels_last).
torch::Tensor model_layout(const torch::Tensor& x, bool channels_last);

// Once per fit on CUDA: cuDNN benchmarks its algorithms per input shape and
// keeps the fastest (every step of a fit has the same shapes, but the last
// batch). A process-wide libtorch setting; a no-op on the CPU.
void enable_cudnn_autotuning(torch::Device device);

// bf16 autocast on `device` while in scope (forward and loss; backward runs
// outside it, as torch.autocast advises). Nests and restores what it found.
class AutocastScope {
 public:
  AutocastScope(torch::Device device, Precision precision);
  ~AutocastScope();
  AutocastScope(const AutocastScope&) = delete;
  AutocastScope& operator=(const AutocastScope&) = delete;

 private:
  bool active_ = false;
  bool cuda_ = false;
  bool was_enabled_ = false;
  at::ScalarType was_dtype_ = at::kFloat;
};

}  // namespace gentorch
