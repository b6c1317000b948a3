#include "gan_losses.h"

#include "../core/error.h"

namespace gentorch {

namespace F = torch::nn::functional;

GanLoss parse_gan_loss(const std::string& name) {
  if (name == "minimax") return GanLoss::kMinimax;
  if (name == "ns") return GanLoss::kNonSaturating;
  if (name == "wgan-gp") return GanLoss::kWganGp;
  if (name == "hinge") return GanLoss::kHinge;
  fail("E_CONFIG", "Expected loss minimax, ns, wgan-gp or hinge but received \"", name, "\"");
}

const char* gan_loss_name(GanLoss loss) {
  switch (loss) {
    case GanLoss::kMinimax:
      return "minimax";
    case GanLoss::kNonSaturating:
      return "ns";
    case GanLoss::kWganGp:
      return "wgan-gp";
    case GanLoss::kHinge:
      return "hinge";
  }
  return "?";
}

torch::Tensor discriminator_loss(GanLoss loss, const torch::Tensor& real, const torch::Tensor& fake,
                                 double real_target) {
  switch (loss) {
    case GanLoss::kMinimax:
    case GanLoss::kNonSaturating: {
      auto target = torch::full_like(real, real_target);
      return F::binary_cross_entropy_with_logits(real, target) + F::softplus(fake).mean();
    }
    case GanLoss::kWganGp:
      return fake.mean() - real.mean();
    case GanLoss::kHinge:
      return torch::relu(1.0 - real).mean() + torch::relu(1.0 + fake).mean();
  }
  return {};
}

torch::Tensor generator_loss(GanLoss loss, const torch::Tensor& fake) {
  switch (loss) {
    case GanLoss::kMinimax:
      return -F::softplus(fake).mean();  // log(1 - D(G(z))), minimised
    case GanLoss::kNonSaturating:
      return F::softplus(-fake).mean();  // -log D(G(z))
    case GanLoss::kWganGp:
    case GanLoss::kHinge:
      return -fake.mean();
  }
  return {};
}

torch::Tensor gradient_penalty(const std::function<torch::Tensor(const torch::Tensor&)>& critic,
                               const torch::Tensor& real, const torch::Tensor& fake, const torch::Tensor& eps) {
  auto x_hat = (eps * real + (1 - eps) * fake.detach()).requires_grad_(true);
  auto out = critic(x_hat);
  auto grads =
      torch::autograd::grad({out.sum()}, {x_hat}, /*grad_outputs=*/{}, /*retain_graph=*/true, /*create_graph=*/true)[0];
  return (grads.reshape({grads.size(0), -1}).norm(2, 1) - 1).pow(2).mean();
}

torch::Tensor mean_output(GanLoss loss, const torch::Tensor& logits) {
  if (loss == GanLoss::kMinimax || loss == GanLoss::kNonSaturating) return torch::sigmoid(logits).mean();
  return logits.mean();
}

}  // namespace gentorch
