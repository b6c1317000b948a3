// Metrics on feature sets (the judge classifier's penultimate features of
// real and generated images): the Frechet distance of FID and the k-NN
// precision and recall. Pure tensor math in float64; no model, no training.
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
struct PrecisionRecall {
  double precision = 0, recall = 0;
};
PrecisionRecall precision_recall(const torch::Tensor& real, const torch::Tensor& fake, int64_t k);

}  // namespace gentorch
