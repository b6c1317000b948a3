// Device selection and runtime facts (libtorch version, threads, BLAS).
#pragma once

#include <torch/torch.h>

#include <string>
#include <vector>

namespace gentorch {

// Parses "auto" | "cpu" | "cuda" | "cuda:N". "auto" picks CUDA when this
// libtorch build has it and a device is present, the CPU otherwise. An
// absent CUDA device is E_DEVICE, never a crash inside libtorch.
torch::Device parse_device(const std::string& spec);

// One visible CUDA device, as `gentorch info` shows it.
struct CudaDeviceInfo {
  std::string name;
  int64_t total_memory = 0;  // bytes
  int capability_major = 0, capability_minor = 0;
};

// A short facts record for `gentorch info`.
struct RuntimeInfo {
  std::string torch_version;
  bool cuda_built = false;
  bool cuda_available = false;
  int64_t cuda_device_count = 0;
  int64_t intra_op_threads = 0;
  int64_t fit_threads = 0;  // intra-op threads of the latest CPU fit (0: none yet)
  int64_t inter_op_threads = 0;
  std::string parallel_info;
  std::string build_config;
  std::vector<CudaDeviceInfo> cuda_devices;
  bool distributed =
      false;  // this build has c10d's Gloo backend (native/dist)  // filled only in CUDA builds (GENTORCH_WITH_CUDA)
};
RuntimeInfo runtime_info();

// Sets libtorch's intra-op thread count (process-wide); 0 leaves it as is.
// Once set, fits keep it (see use_fit_threads).
void set_threads(int64_t threads);

// Intra-op threads for a CPU fit, set on the calling (training) thread: what
// the user chose (set_threads, or OMP_NUM_THREADS in the environment), else
// what measured fastest on Debian's libtorch (OpenMP + OpenBLAS): every core
// for convolutional models, whose convolutions run on OpenMP threads (DCGAN
// epoch 217 s against 288 s at one thread, 2 cores), and one thread for
// fully connected ones, whose time is in matrix products that OpenBLAS
// spreads over its own threads (MLP VAE epoch 2.05 s against 2.3 to 2.9 s at
// two, which oversubscribe the cores).
void use_fit_threads(torch::Device device, bool convolutional);

}  // namespace gentorch
