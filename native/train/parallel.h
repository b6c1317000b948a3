// The trainers' side of data-parallel training (native/dist): what one fit
// does differently when it is one rank of several. Without a DataParallel
// every call here is the one-process identity, so the loops stay one loop.
//
// Equivalence: rank r of W takes every W-th example of each epoch's
// permutation (DistributedSampler), so with a per-rank batch b the union of
// the ranks' step-s batches is the one-process step-s batch of b * W. Noise
// is drawn for that global batch from the shared stream and each rank keeps
// its rows, so a VAE (summed loss: gradients summed over ranks) takes the
// same steps as one process on the global batch, to float rounding. GAN
// losses are means: their gradients are averaged. BatchNorm statistics stay
// per rank.
#pragma once

#include <torch/torch.h>

#include <memory>
#include <utility>
#include <vector>

#include "../dist/data_parallel.h"
#include "../models/row_noise.h"
#include "adam.h"
#include "hooks.h"
#include "loss_meter.h"

namespace gentorch {

class ParallelFit {
 public:
  explicit ParallelFit(std::shared_ptr<DataParallel> dp) : dp_(std::move(dp)) {}

  bool active() const { return dp_ != nullptr; }
  int64_t rank() const { return dp_ ? dp_->rank() : 0; }
  int64_t world() const { return dp_ ? dp_->world_size() : 1; }

  // Rank 0's weights and buffers, optimizer moments and step counts,
  // training counters and random streams onto every rank (start of a fit).
  // `noise` is the device's generator, or null when it is `rng` itself (CPU).
  void sync_start(const std::vector<torch::nn::Module*>& modules, std::vector<Adam*> optimizers, TrainingState& state,
                  at::Generator& rng, at::Generator* noise) const;
  // Examples per rank of `n` (DistributedSampler pads to a multiple of the world).
  int64_t local_count(int64_t n) const { return (n + world() - 1) / world(); }
  // This rank's part of an epoch's permutation of all examples.
  torch::Tensor shard(const torch::Tensor& perm) const { return shard_of(perm, rank(), world()); }
  // The gradient seam: gradients summed over ranks, times `scale`.
  void reduce_gradients(const std::vector<torch::Tensor>& params, double scale) const;
  // The row-sparse gradient seam, for a table whose step read only some of
  // its rows (`index`, unique, with gradients `grad_rows`): the union of the
  // ranks' rows, sorted, and their gradients summed over ranks (zero where a
  // rank did not read a row). Collective: every rank calls it each step.
  std::pair<torch::Tensor, torch::Tensor> reduce_rows(const torch::Tensor& index, const torch::Tensor& grad_rows) const;
  // A loss meter's window (and with `epoch` its epoch) summed over ranks.
  void reduce(LossMeter& meter, bool epoch) const;

 private:
  std::shared_ptr<DataParallel> dp_;
};

// A step's noise from `gen` (models/row_noise.h): in a data-parallel fit
// drawn for the global batch with this rank's rows kept; `parallel` null
// (one process): the batch's own.
inline RowNoise batch_noise(const ParallelFit* parallel, at::Generator& gen) {
  return parallel ? RowNoise{&gen, parallel->rank(), parallel->world()} : RowNoise{&gen};
}

// Points a trainer's `parallel_` at a data-parallel fit for the fit's length.
class ParallelScope {
 public:
  ParallelScope(const ParallelFit*& slot, const ParallelFit& fit) : slot_(slot) {
    slot_ = fit.active() ? &fit : nullptr;
  }
  ~ParallelScope() { slot_ = nullptr; }
  ParallelScope(const ParallelScope&) = delete;
  ParallelScope& operator=(const ParallelScope&) = delete;

 private:
  const ParallelFit*& slot_;
};

}  // namespace gentorch
