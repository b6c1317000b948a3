#include "step_graph.h"

#include <optional>
#include <torch/version.h>

#include "../core/error.h"

// CUDAGraph's capture mode argument and _fused_adam_ on CUDA both date from
// libtorch 2.0; 2.1 is the oldest CUDA wheel this was written against.
#if GENTORCH_WITH_CUDA && (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 1))
#define GENTORCH_CUDA_GRAPHS 1
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>
#else
#define GENTORCH_CUDA_GRAPHS 0
#endif

namespace gentorch {

bool cuda_graphs_built() { return GENTORCH_CUDA_GRAPHS != 0; }

bool resolve_cuda_graphs(const std::string& spec, torch::Device device, bool mlp, bool skipping_nan,
                         bool data_parallel) {
  if (spec == "off") return false;
  if (spec != "auto" && spec != "on")
    fail("E_CONFIG", "Expected cudaGraphs auto, on or off but received \"", spec, "\"");
  const bool forced = spec == "on";
  if (!device.is_cuda()) {
    if (forced) fail("E_CONFIG", "Expected a CUDA device for cudaGraphs \"on\" but the fit runs on ", device.str());
    return false;
  }
  if (!cuda_graphs_built()) {
    if (forced)
      fail("E_CONFIG",
           "Expected a CUDA build on libtorch >= 2.1 for cudaGraphs \"on\" (this build cannot capture graphs)");
    return false;
  }
  const char* blocker = skipping_nan    ? "onNan \"skip\" (it reads every step's losses)"
                        : data_parallel ? "data-parallel training"
                                        : nullptr;
  if (blocker) {
    if (forced)
      fail("E_CONFIG", "Expected no ", blocker, " with cudaGraphs \"on\" (set cudaGraphs \"auto\" or \"off\")");
    return false;
  }
  return forced || mlp;
}

#if GENTORCH_CUDA_GRAPHS

namespace {
// Eager steps before the capture, as PyTorch's whole-network capture example.
constexpr int kWarmupSteps = 3;
}  // namespace

struct StepGraph::Impl {
  explicit Impl(torch::Device device)
      : stream(c10::cuda::getStreamFromPool(false, device.index())), guard(std::in_place, stream) {}
  c10::cuda::CUDAStream stream;
  std::optional<c10::cuda::CUDAStreamGuard> guard;
  std::unique_ptr<at::cuda::CUDAGraph> graph;
  int eager_steps = 0;
};

StepGraph::StepGraph(torch::Device device, bool enabled) : enabled_(enabled) {
  if (!enabled_) return;
  // What was queued on the default stream (the dataset upload, the weights)
  // must be done before the side stream reads it.
  c10::cuda::device_synchronize();
  impl_ = std::make_unique<Impl>(device);
}

StepGraph::~StepGraph() {
  if (!impl_) return;
  try {
    impl_->stream.synchronize();  // tensors made here are read on the default stream next
  } catch (...) {
  }
  impl_->graph.reset();
  impl_->guard.reset();
}

StepGraph::Run StepGraph::run(const std::function<void()>& step) {
  if (!impl_) {
    step();
    return Run::kEager;
  }
  if (impl_->graph) {
    impl_->graph->replay();
    return Run::kReplayed;
  }
  if (impl_->eager_steps < kWarmupSteps) {
    step();
    ++impl_->eager_steps;
    return Run::kEager;
  }
  impl_->stream.synchronize();
  auto graph = std::make_unique<at::cuda::CUDAGraph>();
  // Thread-local: another model training on another thread of this process
  // may synchronise while this one captures.
  graph->capture_begin({0, 0}, cudaStreamCaptureModeThreadLocal);
  try {
    step();
    graph->capture_end();
  } catch (const std::exception& e) {
    try {
      graph->capture_end();  // ends the stream's capture and the allocator's pool routing
    } catch (...) {
    }
    (void)cudaGetLastError();
    fail("E_DEVICE",
         "CUDA graph capture of the training step failed (cudaGraphs \"off\" trains without graphs): ", e.what());
  }
  impl_->graph = std::move(graph);
  impl_->graph->replay();  // capture recorded the step without running it
  return Run::kCaptured;
}

#else

struct StepGraph::Impl {};

StepGraph::StepGraph(torch::Device, bool enabled) : enabled_(false) {
  if (enabled) fail("E_CONFIG", "Expected a CUDA build on libtorch >= 2.1 for CUDA graphs");
}

StepGraph::~StepGraph() = default;

StepGraph::Run StepGraph::run(const std::function<void()>& step) {
  step();
  return Run::kEager;
}

#endif

}  // namespace gentorch
