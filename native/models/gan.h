// GAN networks: generator G(z[, y]) and discriminator (or critic) D(x[, y])
// returning logits. Both keep their layers in a Sequential registered as
// "main", as PyTorch's dcgan example does, so checkpoint keys read
// "generator.main.0.weight" and load into the reference modules of
// scripts/reference. Conditional variants concatenate a one-hot label to
// G's input and to D's input (as extra channels for the DCGAN).
#pragma once

#include <torch/torch.h>

#include <string>

namespace gentorch {

/// Shape of a GAN; mirrored 1:1 by GanConfig in lib/config/gan.ts.
struct GanNetOptions {
  /// "mlp" (the article's: G 100-128-784, D 784-128-1) or "dcgan".
  TORCH_ARG(std::string, arch) = "mlp";
  TORCH_ARG(int64_t, channels) = 1;
  TORCH_ARG(int64_t, height) = 28;
  TORCH_ARG(int64_t, width) = 28;
  /// Dimension of the noise z.
  TORCH_ARG(int64_t, latent_dim) = 100;
  /// MLP widths and hidden-layer count (the article: 128, 128, 1).
  TORCH_ARG(int64_t, g_hidden) = 128;
  TORCH_ARG(int64_t, d_hidden) = 128;
  TORCH_ARG(int64_t, hidden_layers) = 1;
  /// DCGAN base feature maps (ngf = ndf).
  TORCH_ARG(int64_t, features) = 64;
  /// G's output: "sigmoid" (data in [0,1]), "tanh" (data in [-1,1]) or "linear".
  TORCH_ARG(std::string, output) = "sigmoid";
  /// Classes of a conditional GAN; 0 for an unconditional one.
  TORCH_ARG(int64_t, num_classes) = 0;
  /// BatchNorm in D (DCGAN); off for a WGAN-GP critic, whose penalty is per sample.
  TORCH_ARG(bool, d_batchnorm) = true;
};

class Generator : public torch::nn::Module {
 public:
  explicit Generator(const GanNetOptions& options);
  // z [B, latent]; labels [B] int64 or undefined -> images [B, C, H, W] in G's output range.
  torch::Tensor forward(const torch::Tensor& z, const torch::Tensor& labels);

 private:
  GanNetOptions options_;
  torch::nn::Sequential main{nullptr};
};

class Discriminator : public torch::nn::Module {
 public:
  explicit Discriminator(const GanNetOptions& options);
  // x [B, C, H, W]; labels [B] or undefined -> logits [B].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& labels);

 private:
  GanNetOptions options_;
  torch::nn::Sequential main{nullptr};
};

// Checks an options record (E_CONFIG / E_SHAPE naming the bad value).
void check_gan_options(const GanNetOptions& options);
// DCGAN weights as in its paper: convolution and fully connected weights
// N(0, 0.02), biases 0; BatchNorm weight N(1, 0.02), bias 0.
void dcgan_init(torch::nn::Module& module);

}  // namespace gentorch
