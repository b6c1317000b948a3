// The training noise of a batch, drawn by rows. One process draws its batch's
// from a generator; one rank of a data-parallel fit draws the global batch's
// and keeps its own rows (every world-th from its rank, as train/parallel.h
// shards batches), so the ranks together draw what one process would.
#pragma once

#include <torch/torch.h>

#include <vector>

namespace gentorch {

struct RowNoise {
  at::Generator* gen = nullptr;
  int64_t rank = 0;
  int64_t world = 1;

  // Uniform [0, 1) and standard normal noise of `shape`, shape[0] being this rank's rows.
  torch::Tensor rand(at::IntArrayRef shape, const torch::TensorOptions& options) const {
    return mine(at::rand(global(shape), *gen, options));
  }
  torch::Tensor randn(at::IntArrayRef shape, const torch::TensorOptions& options) const {
    return mine(at::randn(global(shape), *gen, options));
  }

 private:
  std::vector<int64_t> global(at::IntArrayRef shape) const {
    auto s = shape.vec();
    s[0] *= world;
    return s;
  }
  torch::Tensor mine(const torch::Tensor& t) const {
    return world == 1 ? t : t.slice(0, rank, t.size(0), world).contiguous();
  }
};

}  // namespace gentorch
