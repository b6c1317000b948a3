#include "feature_metrics.h"

#include <algorithm>
#include <vector>

#include "../core/error.h"

namespace gentorch {

double frechet_distance(const torch::Tensor& a_in, const torch::Tensor& b_in) {
  if (a_in.dim() != 2 || b_in.dim() != 2 || a_in.size(1) != b_in.size(1)) {
    fail("E_SHAPE", "Expected two feature sets [N, D] and [M, D] but received ", a_in.sizes(), " and ", b_in.sizes());
  }
  if (a_in.size(0) < 2 || b_in.size(0) < 2)
    fail("E_DATA", "Expected at least 2 samples per feature set for a Frechet distance");
  auto a = a_in.to(torch::kFloat64), b = b_in.to(torch::kFloat64);
  auto mu_a = a.mean(0), mu_b = b.mean(0);
  auto cov = [](const torch::Tensor& x, const torch::Tensor& mu) {
    auto c = x - mu;
    return c.t().mm(c) / (x.size(0) - 1);
  };
  auto s_a = cov(a, mu_a), s_b = cov(b, mu_b);
  // S_a^(1/2) from its eigendecomposition (symmetric PSD; tiny negative eigenvalues clamped).
  auto eig_a = torch::linalg_eigh(s_a, "L");
  auto root_a = std::get<1>(eig_a).mm(torch::diag(std::get<0>(eig_a).clamp_min(0).sqrt())).mm(std::get<1>(eig_a).t());
  auto m = root_a.mm(s_b).mm(root_a);
  auto trace_sqrt = torch::linalg_eigvalsh(0.5 * (m + m.t()), "L").clamp_min(0).sqrt().sum();
  auto d = (mu_a - mu_b).pow(2).sum() + s_a.trace() + s_b.trace() - 2 * trace_sqrt;
  return d.item<double>();
}

namespace {

constexpr int64_t kDistanceRows = 1024;  // rows of a distance block: 1024 x N floats at a time

// Squared distances between rows of a [n, D] and b [m, D].
torch::Tensor squared_distances(const torch::Tensor& a, const torch::Tensor& b, const torch::Tensor& b_norms) {
  return (a.pow(2).sum(1, true) + b_norms.unsqueeze(0) - 2 * a.mm(b.t())).clamp_min(0);
}

// Squared distance of each point of x to its k-th nearest other point of x.
torch::Tensor kth_radii(const torch::Tensor& x, int64_t k) {
  auto norms = x.pow(2).sum(1);
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < x.size(0); i += kDistanceRows) {
    auto d = squared_distances(x.slice(0, i, std::min(x.size(0), i + kDistanceRows)), x, norms);
    parts.push_back(std::get<0>(d.topk(k + 1, 1, /*largest=*/false)).select(1, k));  // index 0 is the point itself
  }
  return torch::cat(parts);
}

// Share of the points of `query` within the ball of at least one point of `ref`.
double share_inside(const torch::Tensor& query, const torch::Tensor& ref, const torch::Tensor& ref_radii) {
  auto norms = ref.pow(2).sum(1);
  int64_t inside = 0;
  for (int64_t i = 0; i < query.size(0); i += kDistanceRows) {
    auto d = squared_distances(query.slice(0, i, std::min(query.size(0), i + kDistanceRows)), ref, norms);
    inside += (d <= ref_radii.unsqueeze(0)).any(1).sum().item<int64_t>();
  }
  return static_cast<double>(inside) / static_cast<double>(query.size(0));
}

}  // namespace

PrecisionRecall precision_recall(const torch::Tensor& real_in, const torch::Tensor& fake_in, int64_t k) {
  if (real_in.dim() != 2 || fake_in.dim() != 2 || real_in.size(1) != fake_in.size(1)) {
    fail("E_SHAPE", "Expected two feature sets [N, D] and [M, D] but received ", real_in.sizes(), " and ",
         fake_in.sizes());
  }
  if (k < 1) fail("E_CONFIG", "Expected positive integer for k but received ", k);
  if (real_in.size(0) <= k || fake_in.size(0) <= k) {
    fail("E_DATA", "Expected more than k = ", k, " points per feature set but received ", real_in.size(0), " and ",
         fake_in.size(0));
  }
  torch::NoGradGuard no_grad;
  auto real = real_in.to(torch::kFloat64), fake = fake_in.to(torch::kFloat64);
  PrecisionRecall out;
  out.precision = share_inside(fake, real, kth_radii(real, k));
  out.recall = share_inside(real, fake, kth_radii(fake, k));
  return out;
}

}  // namespace gentorch
