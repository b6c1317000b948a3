// What a training loop reports, and how its caller steers it. The loops know
// nothing of N-API: the binding turns these callbacks into JS events.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <torch/torch.h>

namespace gentorch {

class DataParallel;

// Tensors under their checkpoint names, in a stable order.
using NamedTensors = std::vector<std::pair<std::string, torch::Tensor>>;

/// Where a run stands; saved in checkpoints so a resumed run continues exactly.
struct TrainingState {
  uint64_t seed = 0;
  int64_t step = 0;        // optimizer steps taken in all
  int64_t epoch = 0;       // epochs completed
  int64_t epoch_step = 0;  // steps taken inside the current, unfinished epoch
  int64_t perm_seed = 0;   // seed of the current epoch's data permutation
};

struct ProgressEvent {
  int64_t step = 0, epoch = 0, epoch_step = 0, steps_per_epoch = 0;
  std::map<std::string, double> losses;  // window averages since the last event
  double images_per_second = 0;
  double elapsed_seconds = 0;
  int64_t skipped_steps = 0;  // optimizer steps this fit dropped as NaN/Inf (onNan "skip")
  bool cuda_graphs = false;   // this fit's full-batch steps replay a CUDA graph (step_graph.h)
};

struct EpochEvent {
  int64_t epoch = 0, step = 0;
  double seconds = 0;                    // training time of this epoch
  std::map<std::string, double> losses;  // epoch averages
  // The losses on the fit's validation data after this epoch (none without it).
  std::map<std::string, double> val_losses;
};

struct FitHooks {
  std::function<void(const ProgressEvent&)> on_progress;
  std::function<void(const EpochEvent&)> on_epoch;
  // Called on the training thread at a step boundary, every checkpoint_every steps.
  std::function<void(int64_t step)> on_checkpoint;
  // Called on the training thread with the fixed-noise samples of a GAN's
  // fit at `step` (GanFitOptions::sample_every).
  std::function<void(int64_t step, const torch::Tensor& images)> on_samples;
  // Polled between steps; true stops the fit with E_ABORTED.
  std::function<bool()> cancelled;
  // Called on the training thread before each step with the steps taken so
  // far: blocks while the caller holds the fit (an event it has not yet
  // answered, or an async callback of its still pending), polling `cancelled`
  // meanwhile; true asks the loop to end cleanly here (early stopping).
  std::function<bool(int64_t step)> gate;
  // Set when this fit is one rank of a data-parallel job (native/dist).
  std::shared_ptr<DataParallel> parallel;
};

}  // namespace gentorch
