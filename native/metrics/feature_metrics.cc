#include "feature_metrics.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>
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

// 1 for each point of `query` within the ball of at least one point of `ref`, else 0 (float64 [n]).
torch::Tensor inside_flags(const torch::Tensor& query, const torch::Tensor& ref, const torch::Tensor& ref_radii) {
  auto norms = ref.pow(2).sum(1);
  std::vector<torch::Tensor> parts;
  for (int64_t i = 0; i < query.size(0); i += kDistanceRows) {
    auto d = squared_distances(query.slice(0, i, std::min(query.size(0), i + kDistanceRows)), ref, norms);
    parts.push_back((d <= ref_radii.unsqueeze(0)).any(1).to(torch::kFloat64));
  }
  return torch::cat(parts);
}

}  // namespace

namespace {

// The 2.5th and 97.5th percentiles of values.
Interval percentiles(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  auto at = [&](double q) { return v[static_cast<size_t>(std::lround(q * static_cast<double>(v.size() - 1)))]; };
  return {at(0.025), at(0.975)};
}

// Means of `rounds` resamplings (with replacement) of 0/1 flags.
Interval bootstrap_mean(const torch::Tensor& flags, int64_t rounds, at::Generator& gen) {
  std::vector<double> means;
  const int64_t n = flags.size(0);
  for (int64_t r = 0; r < rounds; ++r) {
    auto idx = at::randint(n, {n}, gen, torch::TensorOptions().dtype(torch::kLong));
    means.push_back(flags.index_select(0, idx).mean().item<double>());
  }
  return percentiles(means);
}

void check_pair(const torch::Tensor& a, const torch::Tensor& b) {
  if (a.dim() != 2 || b.dim() != 2 || a.size(1) != b.size(1))
    fail("E_SHAPE", "Expected two feature sets [N, D] and [M, D] but received ", a.sizes(), " and ", b.sizes());
}

}  // namespace

PrecisionRecall precision_recall(const torch::Tensor& real_in, const torch::Tensor& fake_in, int64_t k, int64_t rounds,
                                 uint64_t seed) {
  check_pair(real_in, fake_in);
  if (k < 1) fail("E_CONFIG", "Expected positive integer for k but received ", k);
  if (real_in.size(0) <= k || fake_in.size(0) <= k) {
    fail("E_DATA", "Expected more than k = ", k, " points per feature set but received ", real_in.size(0), " and ",
         fake_in.size(0));
  }
  torch::NoGradGuard no_grad;
  auto real = real_in.to(torch::kFloat64), fake = fake_in.to(torch::kFloat64);
  auto fake_in_real = inside_flags(fake, real, kth_radii(real, k));
  auto real_in_fake = inside_flags(real, fake, kth_radii(fake, k));
  PrecisionRecall out;
  out.precision = fake_in_real.mean().item<double>();
  out.recall = real_in_fake.mean().item<double>();
  if (rounds > 0) {
    auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
    const Interval p = bootstrap_mean(fake_in_real, rounds, gen), r = bootstrap_mean(real_in_fake, rounds, gen);
    out.precision_low = p.low;
    out.precision_high = p.high;
    out.recall_low = r.low;
    out.recall_high = r.high;
  }
  return out;
}

Interval frechet_bootstrap(const torch::Tensor& a_in, const torch::Tensor& b_in, int64_t rounds, uint64_t seed) {
  check_pair(a_in, b_in);
  if (rounds < 2) fail("E_CONFIG", "Expected at least 2 bootstrap rounds but received ", rounds);
  torch::NoGradGuard no_grad;
  auto a = a_in.to(torch::kFloat64), b = b_in.to(torch::kFloat64);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto opts = torch::TensorOptions().dtype(torch::kLong);
  std::vector<double> values;
  for (int64_t r = 0; r < rounds; ++r) {
    auto ia = at::randint(a.size(0), {a.size(0)}, gen, opts), ib = at::randint(b.size(0), {b.size(0)}, gen, opts);
    values.push_back(frechet_distance(a.index_select(0, ia), b.index_select(0, ib)));
  }
  return percentiles(values);
}

Kid kernel_distance(const torch::Tensor& a_in, const torch::Tensor& b_in, int64_t subsets, int64_t subset_size,
                    uint64_t seed) {
  check_pair(a_in, b_in);
  if (subsets < 1) fail("E_CONFIG", "Expected positive integer for KID subsets but received ", subsets);
  const int64_t m = std::min({subset_size, a_in.size(0), b_in.size(0)});
  if (m < 2) fail("E_DATA", "Expected at least 2 samples per feature set for KID");
  torch::NoGradGuard no_grad;
  auto a = a_in.to(torch::kFloat64), b = b_in.to(torch::kFloat64);
  const double d = static_cast<double>(a.size(1));
  auto kernel = [d](const torch::Tensor& x, const torch::Tensor& y) { return (x.mm(y.t()) / d + 1).pow(3); };
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  std::vector<double> values;
  double sum = 0;
  for (int64_t s = 0; s < subsets; ++s) {
    auto x = a.index_select(0, at::randperm(a.size(0), gen, torch::TensorOptions().dtype(torch::kLong)).slice(0, 0, m));
    auto y = b.index_select(0, at::randperm(b.size(0), gen, torch::TensorOptions().dtype(torch::kLong)).slice(0, 0, m));
    auto kxx = kernel(x, x), kyy = kernel(y, y), kxy = kernel(x, y);
    const double mm = static_cast<double>(m);
    // Unbiased: the diagonals of K_xx and K_yy left out.
    const double v = ((kxx.sum() - kxx.diagonal().sum()) / (mm * (mm - 1)) +
                      (kyy.sum() - kyy.diagonal().sum()) / (mm * (mm - 1)) - 2 * kxy.sum() / (mm * mm))
                         .item<double>();
    values.push_back(v);
    sum += v;
  }
  const Interval iv = percentiles(values);
  return {sum / static_cast<double>(subsets), iv.low, iv.high};
}

}  // namespace gentorch
