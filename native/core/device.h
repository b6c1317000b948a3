// Device selection and runtime facts (libtorch version, threads, BLAS).
#pragma once

#include <torch/torch.h>

#include <string>

namespace gentorch {

// Parses "auto" | "cpu" | "cuda" | "cuda:N". "auto" picks CUDA when this
// libtorch build has it and a device is present, the CPU otherwise. An
// absent CUDA device is E_DEVICE, never a crash inside libtorch.
torch::Device parse_device(const std::string& spec);

// A short facts record for `gentorch info`.
struct RuntimeInfo {
  std::string torch_version;
  bool cuda_built = false;
  bool cuda_available = false;
  int64_t cuda_device_count = 0;
  int64_t intra_op_threads = 0;
  int64_t inter_op_threads = 0;
  std::string parallel_info;
  std::string build_config;
};
RuntimeInfo runtime_info();

// Sets libtorch's intra-op thread count (process-wide); 0 leaves it as is.
void set_threads(int64_t threads);

}  // namespace gentorch
