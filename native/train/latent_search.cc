#include "latent_search.h"

#include <algorithm>
#include <cmath>

#include "../core/error.h"
#include "seeding.h"

namespace gentorch {

namespace {

// The objective per image of codes z whose images are `image`: the known
// pixels' squared error over 2 sigma^2, plus the prior's |z|^2 / 2.
torch::Tensor objective_of(const torch::Tensor& image, const torch::Tensor& z, const torch::Tensor& target,
                           const torch::Tensor& mask, double inv_two_var, double prior) {
  auto diff = (image - target).pow(2);
  if (mask.defined()) diff = diff * mask;
  return diff.flatten(1).sum(1) * inv_two_var + 0.5 * prior * z.pow(2).sum(1);
}

torch::Tensor objective(const CodeToImage& g, const torch::Tensor& z, const torch::Tensor& rows,
                        const torch::Tensor& target, const torch::Tensor& mask, double inv_two_var, double prior) {
  return objective_of(g(z, rows), z, target, mask, inv_two_var, prior);
}

// `steps` Adam steps on the rows of z (each row its own problem).
torch::Tensor descend(const CodeToImage& g, torch::Tensor z, const torch::Tensor& rows, const torch::Tensor& target,
                      const torch::Tensor& mask, double inv_two_var, const LatentSearchOptions& o, int64_t steps,
                      const std::function<bool()>& cancelled) {
  z = z.detach().clone().requires_grad_(true);
  torch::optim::Adam adam({z}, torch::optim::AdamOptions(o.lr));
  for (int64_t s = 0; s < steps; ++s) {
    if (cancelled && cancelled()) fail("E_ABORTED", "The latent search was aborted at step ", s);
    auto loss = objective(g, z, rows, target, mask, inv_two_var, o.prior).sum();
    // Gradients of z only: the network's parameters keep theirs untouched.
    z.mutable_grad() = torch::autograd::grad({loss}, {z})[0];
    adam.step();
  }
  return z.detach();
}

}  // namespace

torch::Tensor search_mask(const torch::Tensor& mask, const torch::Tensor& x, torch::Device device) {
  if (!mask.defined()) return mask;
  const bool shape_ok = mask.dim() == 4 && mask.size(0) == x.size(0) &&
                        (mask.size(1) == 1 || mask.size(1) == x.size(1)) && mask.size(2) == x.size(2) &&
                        mask.size(3) == x.size(3);
  if (!shape_ok)
    fail("E_SHAPE", "Expected a mask of shape [", x.size(0), ", 1 or ", x.size(1), ", ", x.size(2), ", ", x.size(3),
         "] but received ", mask.sizes());
  auto m = mask.to(device, torch::kFloat32);
  if (!((m == 0) | (m == 1)).all().item<bool>()) fail("E_DATA", "Expected a mask of 0 (unknown) and 1 (known) values");
  return m;
}

LatentSearchResult latent_search(const CodeToImage& g, const torch::Tensor& target, const torch::Tensor& mask,
                                 const torch::Tensor& z0, int64_t latent_dim, const LatentSearchOptions& o,
                                 const std::function<bool()>& cancelled) {
  if (o.steps < 0 || o.start_steps < 0 || o.starts < 1 || o.chunk < 1 || !(o.lr > 0))
    fail("E_CONFIG", "Expected steps >= 0, startSteps >= 0, starts >= 1, chunk >= 1 and lr > 0 for the latent search");
  if (!(o.noise_std >= 0) || !(o.sigma_floor > 0) || !(o.prior >= 0))
    fail("E_CONFIG", "Expected noiseStd >= 0, sigmaFloor > 0 and prior >= 0 for the latent search");
  torch::AutoGradMode grad_mode(true);
  const double sigma = std::max(o.noise_std, o.sigma_floor);
  const double inv_two_var = 1.0 / (2 * sigma * sigma);
  const int64_t n = target.size(0), k = o.starts;
  const auto opts = target.options().dtype(torch::kFloat32);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(mix_seed(static_cast<uint64_t>(o.seed), kSearchStream, 0));
  std::vector<torch::Tensor> zs, images, losses;
  for (int64_t begin = 0; begin < n; begin += o.chunk) {
    const int64_t m = std::min(o.chunk, n - begin);
    auto x = target.narrow(0, begin, m);
    auto mk = mask.defined() ? mask.narrow(0, begin, m) : torch::Tensor();
    // k starts per image (row i * k + j): the given one first, then N(0, I) draws.
    auto starts = at::randn({m, k, latent_dim}, gen, torch::TensorOptions().dtype(torch::kFloat32)).to(opts.device());
    if (z0.defined()) starts.select(1, 0).copy_(z0.narrow(0, begin, m));
    auto z = starts.view({m * k, latent_dim});
    auto rows = torch::arange(begin, begin + m, torch::TensorOptions().dtype(torch::kLong).device(opts.device()));
    if (k > 1) {
      auto xk = x.repeat_interleave(k, 0);
      auto mkk = mk.defined() ? mk.repeat_interleave(k, 0) : mk;
      auto rk = rows.repeat_interleave(k, 0);
      z = descend(g, z, rk, xk, mkk, inv_two_var, o, o.start_steps, cancelled);
      torch::NoGradGuard no_grad;
      auto best = objective(g, z, rk, xk, mkk, inv_two_var, o.prior).view({m, k}).argmin(1);
      z = z.view({m, k, latent_dim}).index({torch::arange(m, best.options()), best});
    }
    z = descend(g, z, rows, x, mk, inv_two_var, o, o.steps, cancelled);
    torch::NoGradGuard no_grad;
    auto image = g(z, rows);  // one pass through the network for the result and its loss
    zs.push_back(z);
    images.push_back(image);
    losses.push_back(objective_of(image, z, x, mk, inv_two_var, o.prior));
  }
  return {torch::cat(zs), torch::cat(images), torch::cat(losses)};
}

}  // namespace gentorch
