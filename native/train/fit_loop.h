// What every trainer's fit() shares, by composition rather than a base class:
// each trainer keeps its own visible loop and train_step, as pytorch/examples'
// cpp dcgan does, and takes its plumbing from here.
//   BatchOrder: which rows each batch takes (each epoch's permutation, this
//     rank's shard of it, a resumed mid-epoch position, epoch crossings for
//     any number of batches per step), drawing each epoch's permutation seed
//     from the run's stream at the epoch's first batch: the order the
//     determinism and exact-resume tests guard.
//   FitLoop: the bounds of a fit, its setup (threads, precision, NaN guard,
//     cuDNN autotuning, the data-parallel start, loss meter, CUDA graphs),
//     its targets, cancellation, and its progress, checkpoint and epoch events.
#pragma once

#include <torch/torch.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "accel.h"
#include "adam.h"
#include "hooks.h"
#include "loss_meter.h"
#include "nan_guard.h"
#include "parallel.h"
#include "step_graph.h"

namespace gentorch {

// The options of a fit that the plumbing reads (a VAE's, a GAN's or the classifier's).
struct FitPlan {
  int64_t epochs = 1, steps = 0, batch_size = 1, progress_every = 1, checkpoint_every = 0;
  bool totals = false;
  std::string precision = "float32", on_nan = "stop", cuda_graphs = "off";
};

// VaeFitOptions and GanFitOptions name these fields alike.
template <class Options>
FitPlan fit_plan(const Options& o) {
  return FitPlan{o.epochs(), o.steps(),     o.batch_size(), o.progress_every(), o.checkpoint_every(),
                 o.totals(), o.precision(), o.on_nan(),     o.cuda_graphs()};
}

class BatchOrder {
 public:
  // n_total rows in batches of batch_size; with a data-parallel fit, this rank's shard of each epoch.
  BatchOrder(int64_t n_total, int64_t batch_size, const ParallelFit& parallel, torch::Device device);
  // Rows of this rank per epoch, and its batches per epoch (the last one may be short).
  int64_t local_count() const { return n_; }
  int64_t per_epoch() const { return per_epoch_; }
  // Whether next() starts an epoch (also where a checkpoint from other data
  // or batch size left a step count past this epoch's end: next() resets it).
  bool starts_epoch(const TrainingState& state) const {
    return state.epoch_step == 0 || state.epoch_step >= per_epoch_;
  }
  // The next batch's rows. Advances state.epoch_step; at the epoch's last
  // batch moves state to the next epoch and sets *epoch_done.
  torch::Tensor next(TrainingState& state, at::Generator& rng, bool* epoch_done);
  // Batches of rows of similar length (sequences: less padding to compute):
  // each window of kBucketBatches global batches of the epoch's permutation
  // is sorted by `lengths` (CPU int64, one per row), cut into global batches
  // (batch_size times the world's ranks), and those are taken in an order
  // drawn from the epoch's seed, so a resumed epoch takes the same batches.
  // A rank's batch is every world-th row of a global one, so the ranks'
  // step-s batches together are one process's step-s batch of the global size.
  void bucket_by(torch::Tensor lengths) { lengths_ = lengths.to(torch::kCPU, torch::kInt64); }
  static constexpr int64_t kBucketBatches = 64;
  // With bucket_by: the longest length in the global batch of next()'s last
  // rows, so every rank pads its part to the same width (and draws the same noise).
  int64_t width() const { return width_; }

 private:
  torch::Tensor epoch_order(int64_t perm_seed);

  const ParallelFit& parallel_;
  int64_t total_, n_, batch_size_, per_epoch_;
  torch::Device device_;
  torch::Tensor perm_;           // this rank's order of the current epoch
  torch::Tensor lengths_;        // bucket_by()'s, or undefined
  std::vector<int64_t> widths_;  // with lengths_: the longest length of each global batch of the epoch
  int64_t width_ = 0;
};

class FitLoop {
 public:
  // Checks the plan's bounds (the loop's own: positive epochs or steps and
  // batch size) and sets up the fit: threads, precision, NaN guard, cuDNN.
  FitLoop(const FitPlan& plan, const FitHooks& hooks, torch::Device device, bool convolutional);
  FitLoop(const FitLoop&) = delete;
  FitLoop& operator=(const FitLoop&) = delete;

  // Rank 0's state onto every rank (a data-parallel fit), then, from that
  // state, the run's targets, the loss meter and CUDA graphs (`graphable`:
  // the model's whole step may be captured). `noise`: the device's generator,
  // or null where it is `rng` itself.
  void start(const std::vector<torch::nn::Module*>& modules, std::vector<Adam*> optimizers, TrainingState& state,
             at::Generator& rng, at::Generator* noise, std::vector<std::string> loss_names, bool graphable);

  // Whether the run's target (steps, else epochs) is still ahead.
  bool running(const TrainingState& s) const {
    return target_step_ >= 0 ? s.step < target_step_ : s.epoch < target_epoch_;
  }
  // This step is the run's last: its target step, or by epochs the end of its target epoch.
  bool last_step(const TrainingState& s, bool epoch_done) const {
    return target_step_ >= 0 ? s.step == target_step_ : epoch_done && s.epoch == target_epoch_;
  }
  bool at_target_step(const TrainingState& s) const { return s.step == target_step_; }
  // E_ABORTED when the caller asked to stop.
  void check_cancelled(int64_t step) const;
  // Before each step, ahead of the batch order's draws: waits while the
  // caller holds the fit (hooks.h gate), then checks cancellation. True when
  // the caller asked to end the fit cleanly here (early stopping at an epoch end).
  bool stop_requested(const TrainingState& s) const;

  // A progress event every progress_every steps and wherever `forced`: the
  // window's losses (summed over ranks) and its images per second, counted in
  // the meter's units times `images_per_unit`.
  void progress(const TrainingState& s, bool forced, int64_t epoch, int64_t epoch_step, int64_t steps_per_epoch,
                double images_per_unit = 1.0);
  // Every checkpoint_every steps: losses and weights checked finite, then the hook.
  void maybe_checkpoint(int64_t step, const std::function<void()>& check_weights);
  // The epoch's losses summed over ranks, and the losses on the validation
  // data when the fit has some, as an epoch event.
  void epoch_event(const TrainingState& s, std::map<std::string, double> val_losses = {});
  // The end of the fit: E_NUMERIC if any loss went NaN or infinite.
  void finish() const { meter_->check_finite(); }

  Precision precision() const { return precision_; }
  NanGuard& guard() { return guard_; }
  LossMeter& meter() { return *meter_; }
  StepGraph& graph() { return *graph_; }
  const ParallelFit& parallel() const { return parallel_; }

 private:
  using Clock = std::chrono::steady_clock;
  FitPlan plan_;
  const FitHooks& hooks_;
  torch::Device device_;
  bool convolutional_;
  Precision precision_;
  NanGuard guard_;
  ParallelFit parallel_;
  std::unique_ptr<LossMeter> meter_;
  std::unique_ptr<StepGraph> graph_;
  int64_t target_step_ = -1, target_epoch_ = 0;
  Clock::time_point start_;
};

}  // namespace gentorch
