// VAE networks: the encoder q(z|x) = N(mu, diag(sigma^2)) and the decoder
// p(x|z). Module names are checkpoint keys: MlpVae matches pytorch/examples'
// vae/main.py (fc1, fc21, fc22, fc3, fc4) so its weights load there as is.
#pragma once

#include <torch/torch.h>

#include <string>
#include <utility>

namespace gentorch {

/// Shape and size of a VAE; mirrored 1:1 by VaeConfig in lib/config/vae.ts.
struct VaeNetOptions {
  /// "mlp" (pytorch/examples' VAE) or "conv" (two strided convolutions).
  TORCH_ARG(std::string, arch) = "mlp";
  /// Image channels, height and width of the data.
  TORCH_ARG(int64_t, channels) = 1;
  TORCH_ARG(int64_t, height) = 28;
  TORCH_ARG(int64_t, width) = 28;
  /// Width of the MLP's hidden layer (400 in pytorch/examples).
  TORCH_ARG(int64_t, hidden_dim) = 400;
  /// Dimension of the latent code z.
  TORCH_ARG(int64_t, latent_dim) = 20;
};

// Both architectures: encode gives (mu, logvar) of q(z|x); decode gives the
// logits of p(x|z) (Bernoulli) or the pre-sigmoid means (Gaussian), shaped
// like the images [B, C, H, W].
class VaeNet : public torch::nn::Module {
 public:
  virtual std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x) = 0;
  virtual torch::Tensor decode_logits(const torch::Tensor& z) = 0;
};

class MlpVae : public VaeNet {
 public:
  explicit MlpVae(const VaeNetOptions& options);
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x) override;
  torch::Tensor decode_logits(const torch::Tensor& z) override;

 private:
  VaeNetOptions options_;
  torch::nn::Linear fc1{nullptr}, fc21{nullptr}, fc22{nullptr}, fc3{nullptr}, fc4{nullptr};
};

// Conv encoder 2x (4x4 stride-2 conv, ReLU) then linear heads; the decoder
// mirrors it with transposed convolutions. Height and width must be
// divisible by 4 (28, 32 and 64 are).
class ConvVae : public VaeNet {
 public:
  explicit ConvVae(const VaeNetOptions& options);
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& x) override;
  torch::Tensor decode_logits(const torch::Tensor& z) override;

 private:
  VaeNetOptions options_;
  torch::nn::Conv2d enc_conv1{nullptr}, enc_conv2{nullptr};
  torch::nn::Linear fc_mu{nullptr}, fc_logvar{nullptr}, dec_fc{nullptr};
  torch::nn::ConvTranspose2d dec_conv1{nullptr}, dec_conv2{nullptr};
};

// Builds the network an options record names; E_CONFIG for a bad arch or size.
std::shared_ptr<VaeNet> make_vae_net(const VaeNetOptions& options);

}  // namespace gentorch
