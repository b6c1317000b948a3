#include "device.h"

#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <thread>

#include <ATen/Parallel.h>
#include <ATen/Version.h>
#include <torch/version.h>
#include <ATen/Context.h>

#include "error.h"

#if GENTORCH_WITH_CUDA
#include <ATen/cuda/CUDAContext.h>
#endif

namespace gentorch {

namespace {
bool cuda_usable() { return torch::cuda::is_available() && torch::cuda::device_count() > 0; }
}  // namespace

torch::Device parse_device(const std::string& spec) {
  if (spec == "auto") return cuda_usable() ? torch::Device(torch::kCUDA, 0) : torch::Device(torch::kCPU);
  if (spec == "cpu") return torch::Device(torch::kCPU);
  if (spec.rfind("cuda", 0) == 0) {
    int64_t index = 0;
    if (spec.size() > 4) {
      if (spec[4] != ':' || spec.size() == 5)
        fail("E_CONFIG", "Expected device auto, cpu, cuda or cuda:N but received \"", spec, "\"");
      for (size_t i = 5; i < spec.size(); ++i) {
        if (spec[i] < '0' || spec[i] > '9' || i > 8)
          fail("E_CONFIG", "Expected device auto, cpu, cuda or cuda:N but received \"", spec, "\"");
      }
      index = std::stoll(spec.substr(5));
    }
    if (!torch::cuda::is_available()) {
      fail("E_DEVICE", "Expected an available CUDA device for device \"", spec,
           "\" but this libtorch build has no CUDA or no GPU is visible (use device \"cpu\" or \"auto\")");
    }
    const int64_t count = static_cast<int64_t>(torch::cuda::device_count());
    if (index >= count) fail("E_DEVICE", "Expected a CUDA device index below ", count, " but received ", index);
    return torch::Device(torch::kCUDA, static_cast<torch::DeviceIndex>(index));
  }
  fail("E_CONFIG", "Expected device auto, cpu, cuda or cuda:N but received \"", spec, "\"");
}

namespace {
std::atomic<int> user_threads{0};      // set_threads' count; 0: not set
std::atomic<int> last_fit_threads{0};  // what the latest CPU fit ran with

int64_t usable_cores() {
#ifdef __linux__
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
#endif
  return std::max(1u, std::thread::hardware_concurrency());
}
}  // namespace

RuntimeInfo runtime_info() {
  RuntimeInfo info;
  info.torch_version = std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
                       std::to_string(TORCH_VERSION_PATCH);
#if GENTORCH_WITH_CUDA
  info.cuda_built = true;  // linked against libtorch's CUDA libraries, whether or not a GPU is visible
#else
  info.cuda_built = at::hasCUDA();
#endif
  info.cuda_available = torch::cuda::is_available();
  info.cuda_device_count = info.cuda_available ? static_cast<int64_t>(torch::cuda::device_count()) : 0;
  info.intra_op_threads = at::get_num_threads();
  info.fit_threads = last_fit_threads;
  info.inter_op_threads = at::get_num_interop_threads();
  info.parallel_info = at::get_parallel_info();
  info.build_config = at::show_config();
#if GENTORCH_WITH_CUDA
  for (int64_t i = 0; i < info.cuda_device_count; ++i) {
    const auto* p = at::cuda::getDeviceProperties(static_cast<c10::DeviceIndex>(i));
    info.cuda_devices.push_back({p->name, static_cast<int64_t>(p->totalGlobalMem), p->major, p->minor});
  }
#endif
  return info;
}

void set_threads(int64_t threads) {
  if (threads <= 0) return;
  user_threads = static_cast<int>(threads);
  at::set_num_threads(static_cast<int>(threads));
}

void use_fit_threads(torch::Device device, bool convolutional) {
  if (!device.is_cpu()) return;
  // OpenMP keeps the count per thread, and fits run on a pool of threads: set it on this one.
  int threads = user_threads;
  if (threads == 0 && std::getenv("OMP_NUM_THREADS") != nullptr) threads = at::get_num_threads();
  if (threads == 0) threads = convolutional ? static_cast<int>(usable_cores()) : 1;
  if (at::get_num_threads() != threads) at::set_num_threads(threads);
  last_fit_threads = threads;
}

}  // namespace gentorch
