#include "accel.h"

#include <ATen/Context.h>
#include <ATen/autocast_mode.h>
#include <torch/version.h>

#include "../core/error.h"

// libtorch 2.4 replaced the per-backend autocast setters (set_enabled,
// set_cpu_enabled, set_autocast_gpu_dtype, ...) with ones taking a device
// type, and deprecated the old ones.
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 4)
#define GENTORCH_AUTOCAST_BY_DEVICE 1
#else
#define GENTORCH_AUTOCAST_BY_DEVICE 0
#endif

namespace gentorch {

namespace {
bool autocast_enabled(bool cuda) {
#if GENTORCH_AUTOCAST_BY_DEVICE
  return at::autocast::is_autocast_enabled(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::is_enabled() : at::autocast::is_cpu_enabled();
#endif
}

void set_autocast_enabled(bool cuda, bool on) {
#if GENTORCH_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_enabled(cuda ? at::kCUDA : at::kCPU, on);
#else
  if (cuda)
    at::autocast::set_enabled(on);
  else
    at::autocast::set_cpu_enabled(on);
#endif
}

at::ScalarType autocast_dtype(bool cuda) {
#if GENTORCH_AUTOCAST_BY_DEVICE
  return at::autocast::get_autocast_dtype(cuda ? at::kCUDA : at::kCPU);
#else
  return cuda ? at::autocast::get_autocast_gpu_dtype() : at::autocast::get_autocast_cpu_dtype();
#endif
}

void set_autocast_dtype(bool cuda, at::ScalarType dtype) {
#if GENTORCH_AUTOCAST_BY_DEVICE
  at::autocast::set_autocast_dtype(cuda ? at::kCUDA : at::kCPU, dtype);
#else
  if (cuda)
    at::autocast::set_autocast_gpu_dtype(dtype);
  else
    at::autocast::set_autocast_cpu_dtype(dtype);
#endif
}
}  // namespace

Precision resolve_precision(const std::string& spec, torch::Device device, bool convolutional) {
  if (spec == "float32") return Precision::kFloat32;
  if (spec == "bfloat16") return Precision::kBFloat16;
  if (spec == "auto") return device.is_cuda() && convolutional ? Precision::kBFloat16 : Precision::kFloat32;
  fail("E_CONFIG", "Expected precision auto, float32 or bfloat16 but received \"", spec, "\"");
}

const char* precision_name(Precision p) { return p == Precision::kBFloat16 ? "bfloat16" : "float32"; }

bool use_channels_last(torch::Device device, bool convolutional) { return device.is_cuda() && convolutional; }

void to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters()) {
    if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
  }
}

torch::Tensor model_layout(const torch::Tensor& x, bool channels_last) {
  return channels_last && x.dim() == 4 ? x.contiguous(at::MemoryFormat::ChannelsLast) : x;
}

void enable_cudnn_autotuning(torch::Device device) {
  if (device.is_cuda()) at::globalContext().setBenchmarkCuDNN(true);
}

AutocastScope::AutocastScope(torch::Device device, Precision precision) {
  if (precision != Precision::kBFloat16) return;
  active_ = true;
  cuda_ = device.is_cuda();
  was_enabled_ = autocast_enabled(cuda_);
  was_dtype_ = autocast_dtype(cuda_);
  set_autocast_enabled(cuda_, true);
  set_autocast_dtype(cuda_, at::kBFloat16);
  at::autocast::increment_nesting();
}

AutocastScope::~AutocastScope() {
  if (!active_) return;
  // As torch.autocast's __exit__: the cache of bf16 weight copies lives for
  // the outermost scope only.
  if (at::autocast::decrement_nesting() == 0) at::autocast::clear_cache();
  set_autocast_enabled(cuda_, was_enabled_);
  set_autocast_dtype(cuda_, was_dtype_);
}

}  // namespace gentorch
