// CUDA graphs for a fit's training steps. A small model's step on a GPU is
// a few hundred tiny kernels, and launching them costs more than running
// them; a CUDA graph records the whole step once (forward, backward, the
// fused Adam updates, EMA) and replays it with a single launch.
//
// The captured step may read and write only tensors whose addresses stay
// fixed: the model's weights and optimizer moments, the resident dataset,
// and the static input buffers its caller refills before each step (batch
// indices, noise). Host-side effects inside the step (counters, flags) run
// at capture only; the caller applies them for replays (Run::kReplayed).
// Noise is drawn outside the graph from the model's own generator, so a
// graphed fit draws the same random streams as an eager one.
//
// Built in CUDA builds on libtorch >= 2.1; elsewhere a StepGraph is never
// enabled and only runs the step eagerly. No CUDA header is included here.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <memory>
#include <string>

namespace gentorch {

// Whether a fit uses CUDA graphs. spec "auto": on CUDA, for the MLP models,
// when nothing blocks them; "on": also for the conv models, and E_CONFIG when
// they cannot be used; "off": never. Ruled out for a fit that skips NaN
// steps (it syncs every step) or is data-parallel (its all-reduces run
// through the CPU). Anything else in spec is E_CONFIG.
bool resolve_cuda_graphs(const std::string& spec, torch::Device device, bool mlp, bool skipping_nan,
                         bool data_parallel);

// True when this build can capture CUDA graphs (a CUDA libtorch >= 2.1).
bool cuda_graphs_built();

class StepGraph {
 public:
  enum class Run { kEager, kCaptured, kReplayed };

  // enabled: resolve_cuda_graphs' answer. While an enabled StepGraph lives,
  // the thread's current CUDA stream is a side stream of its own (capture
  // cannot run on the default stream); the destructor waits for it.
  StepGraph(torch::Device device, bool enabled);
  ~StepGraph();
  StepGraph(const StepGraph&) = delete;
  StepGraph& operator=(const StepGraph&) = delete;

  bool enabled() const { return enabled_; }

  // One training step on static inputs: eager for the first warm-up steps
  // (cuBLAS workspaces, autograd's streams and the allocator settle), then
  // captured once and replayed at once, then replayed. A failed capture is
  // E_DEVICE (the fit can be rerun with cudaGraphs "off").
  Run run(const std::function<void()>& step);

 private:
  struct Impl;
  bool enabled_ = false;
  std::unique_ptr<Impl> impl_;
};

}  // namespace gentorch
