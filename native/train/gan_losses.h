// GAN objectives on discriminator logits (never sigmoid then log):
//   minimax  D: -log D(x) - log(1 - D(G(z)))    G:  log(1 - D(G(z)))    (the article's L(G, D))
//   ns       D: as minimax                       G: -log D(G(z))         (non-saturating, the default)
//   wgan-gp  D: D(G(z)) - D(x) + lambda * (|grad D(x_hat)| - 1)^2       G: -D(G(z))
//   hinge    D: relu(1 - D(x)) + relu(1 + D(G(z)))                       G: -D(G(z))
// with log D = -softplus(-logit) and log(1 - D) = -softplus(logit). Batch means.
#pragma once

#include <torch/torch.h>

#include <functional>
#include <string>

namespace gentorch {

enum class GanLoss { kMinimax, kNonSaturating, kWganGp, kHinge };

GanLoss parse_gan_loss(const std::string& name);  // E_CONFIG for an unknown name
const char* gan_loss_name(GanLoss loss);

// D's loss on real and fake logits; `real_target` < 1 is one-sided label
// smoothing for the BCE losses.
torch::Tensor discriminator_loss(GanLoss loss, const torch::Tensor& real_logits, const torch::Tensor& fake_logits,
                                 double real_target);
torch::Tensor generator_loss(GanLoss loss, const torch::Tensor& fake_logits);

// WGAN-GP's penalty: E[(|grad_x D(x_hat)|_2 - 1)^2] at random points between
// real and fake samples (Gulrajani et al. 2017). `critic` maps images to logits;
// eps [N, 1, 1, 1] in [0, 1) are the points' mixing weights.
torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                               const torch::Tensor& real, const torch::Tensor& fake, const torch::Tensor& eps);

// Mean of D's output as reported: D(x) as a probability for the BCE losses,
// the raw critic value for wgan-gp and hinge.
torch::Tensor mean_output(GanLoss loss, const torch::Tensor& logits);

}  // namespace gentorch
