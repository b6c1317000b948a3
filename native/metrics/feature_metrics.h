// Metrics on feature sets (the judge classifier's penultimate features of
// real and generated images): the Frechet distance of FID, KID and the k-NN
// precision and recall, with bootstrap intervals. Pure tensor math in float64; no model, no training.
#pragma once

#include <torch/torch.h>

namespace gentorch {

// FID's distance between Gaussians fitted to two feature sets [N, D], [M, D]:
// |mu_a - mu_b|^2 + Tr(S_a + S_b - 2 (S_a S_b)^(1/2)), in float64; the trace of
// the square root from the eigenvalues of S_a^(1/2) S_b S_a^(1/2).
double frechet_distance(const torch::Tensor& a, const torch::Tensor& b);

// Improved precision and recall of generated features against real ones
// (Kynkaanniemi et al. 2019): each set's manifold is the union of balls around
// its points reaching their k-th nearest neighbour in the set. Precision: the
// share of generated points inside the real manifold; recall: the share of
// real points inside the generated one.
// With `rounds` > 0 also 95% bootstrap intervals (percentiles of `rounds`
// resamplings of each set's inside/outside flags, the manifolds held fixed).
struct PrecisionRecall {
  double precision = 0, recall = 0;
  double precision_low = 0, precision_high = 0, recall_low = 0, recall_high = 0;
};
PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& fake, int64_t k, int64_t rounds = 0,
                                 uint64_t seed = 1);

// A 95% bootstrap interval: the 2.5th and 97.5th percentiles.
struct Interval {
  double low = 0, high = 0;
};
// The Frechet distance over `rounds` resamplings (with replacement) of both sets.
Interval frechet_bootstrap(const torch::Tensor& a, const torch::Tensor& b, int64_t rounds, uint64_t seed);

// KID (Binkowski et al. 2018): the unbiased MMD^2 between the sets under the
// cubic kernel k(x, y) = (x.y / D + 1)^3, its mean over `subsets` random
// subsets of `subset_size` points of each set (as torch-fidelity and
// clean-fid compute it), and the percentiles of the subsets' values.
struct Kid {
  double mean = 0, low = 0, high = 0;
};
Kid kernel_distance(const torch::Tensor& a, const torch::Tensor& b, int64_t subsets, int64_t subset_size,
                    uint64_t seed);

}  // namespace gentorch
