// Latent search: the code z whose image explains the pixels we know, for any
// generative network with a differentiable map z -> image (a VAE's decoder, a
// GAN's generator). It is GAN inversion when every pixel is known and
// restoration under a corruption model when some are missing (mask 0) or
// noisy: the MAP code under
//   sum over known pixels (x - g(z))^2 / (2 sigma^2)  +  prior * |z|^2 / 2,
// sigma the declared noise std (at least sigma_floor, the model's own error),
// found by Adam on z from the best of several starts (Bora et al. 2017,
// "Compressed sensing using generative models"; Yeh et al. 2017, semantic
// inpainting). Images are searched in chunks; each image's code is its own
// (the loss is a sum over images and Adam is per coordinate), so a chunk's
// result does not depend on its neighbours.
#pragma once

#include <torch/torch.h>

#include <functional>

namespace gentorch {

struct LatentSearchOptions {
  int64_t steps = 200;       // Adam steps from the best start
  double lr = 0.05;          // Adam's step size on z
  int64_t starts = 4;        // candidate starts per image (given start + random ones)
  int64_t start_steps = 25;  // steps every start gets before the best is kept
  double noise_std = 0;      // declared noise std of the known pixels (0: exact)
  double sigma_floor = 0.1;  // the smallest sigma used: the network's own error
  double prior = 1;          // weight of |z|^2 / 2
  int64_t chunk = 128;       // images searched at once (bounds memory: x starts in the first phase)
  int64_t seed = 1;          // of the random starts
};

struct LatentSearchResult {
  torch::Tensor z;       // [N, d] the codes found
  torch::Tensor images;  // [N, C, H, W] g(z), in [0, 1]
  torch::Tensor loss;    // [N] the final objective per image
};

// g maps codes [n, d] on the device to images [n, C, H, W] in [0, 1], with
// gradients; rows [n] (int64) says which target image each code is for (a
// conditional network's labels follow it). target: [N, C, H, W] float in [0, 1] on the device; mask: the
// same shape (or broadcastable over channels), 1 = known, undefined = all
// known; z0: [N, d] given starts (undefined = random only). cancelled is
// polled between steps (E_ABORTED).
// A mask for images x [N, C, H, W] on their device as float32: E_SHAPE unless
// it is [N, 1 or C, H, W], E_DATA unless every value is 0 or 1. Undefined
// stays undefined (every pixel known).
torch::Tensor search_mask(const torch::Tensor& mask, const torch::Tensor& x, torch::Device device);

using CodeToImage = std::function<torch::Tensor(const torch::Tensor& z, const torch::Tensor& rows)>;
LatentSearchResult latent_search(const CodeToImage& g, const torch::Tensor& target, const torch::Tensor& mask,
                                 const torch::Tensor& z0, int64_t latent_dim, const LatentSearchOptions& options,
                                 const std::function<bool()>& cancelled);

}  // namespace gentorch
