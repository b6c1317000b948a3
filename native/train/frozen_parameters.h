// Turns requires_grad off for a network's parameters while in scope: a
// generator's step backpropagates through its critic without computing the
// critic's weight gradients (PyTorch's loops compute them and discard them
// at the critic's next zero_grad). Shared by every adversarial loop.
#pragma once

#include <torch/torch.h>

#include <utility>
#include <vector>

namespace gentorch {

class FrozenParameters {
 public:
  explicit FrozenParameters(std::vector<torch::Tensor> params) : params_(std::move(params)) {
    for (auto& p : params_) p.requires_grad_(false);
  }
  ~FrozenParameters() {
    for (auto& p : params_) p.requires_grad_(true);
  }
  FrozenParameters(const FrozenParameters&) = delete;
  FrozenParameters& operator=(const FrozenParameters&) = delete;

 private:
  std::vector<torch::Tensor> params_;
};

}  // namespace gentorch
