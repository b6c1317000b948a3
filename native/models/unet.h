// Image-to-image networks for paired tasks (superres, inpaint, denoise,
// translate): a U-Net generator (Ronneberger et al. 2015, as pix2pix uses
// it), a PatchGAN discriminator (Isola et al. 2017) that judges each
// overlapping patch of (input, output), and the conditional VAE's encoder
// q(z | input, target). The three families of a Translator share the U-Net:
// the regressor (L1 only), the conditional GAN (pix2pix: L1 + adversarial)
// and the conditional VAE (z injected at the U-Net's bottleneck).
//
// Every convolution whose output channels may be few is a SafeConv2d
// (safe_conv.h: libtorch 2.6's CPU kernels get their input gradients wrong),
// and every 2x step up is nearest upsampling and a 3x3 convolution, never a
// transposed convolution (no checkerboard).
#pragma once

#include <torch/torch.h>

#include <string>

namespace gentorch {

/// Shape of a U-Net; mirrored by TranslatorConfig in lib/config/translate.ts.
struct UNetOptions {
  /// Channels of the input as the network takes it (a mask adds one).
  TORCH_ARG(int64_t, in_channels) = 1;
  TORCH_ARG(int64_t, out_channels) = 1;
  /// Feature maps of the first level; each level down doubles them.
  TORCH_ARG(int64_t, features) = 32;
  /// Levels down (each halves the size: height and width must divide by 2^depth).
  TORCH_ARG(int64_t, depth) = 2;
  /// The conditional VAE's code, a learned scale and shift of every channel at
  /// the bottleneck and at each decoder level (FiLM); 0: none.
  TORCH_ARG(int64_t, latent_dim) = 0;
  /// pix2pix's dropout in the decoder's levels (its only noise); 0: none.
  TORCH_ARG(double, dropout) = 0.0;
};

class UNetImpl : public torch::nn::Module {
 public:
  explicit UNetImpl(const UNetOptions& options);
  // x [B, in, H, W]; z [B, latent] or undefined -> [B, out, H, W] in [0, 1].
  torch::Tensor forward(const torch::Tensor& x, const torch::Tensor& z = {});
  // The generator of the dropout masks (the owner's run stream; it must
  // outlive this module); libtorch's default generator when never set.
  void use_generator(at::Generator* gen) { gen_ = gen; }

 private:
  // h * (1 + scale(z)) + shift(z), per channel: level 0 the bottleneck, 1.. the decoder's.
  torch::Tensor film(int64_t level, const torch::Tensor& h, const torch::Tensor& z);
  UNetOptions options_;
  at::Generator* gen_ = nullptr;
  torch::nn::Sequential in_{nullptr}, out_{nullptr};
  torch::nn::ModuleList code_{nullptr};
  torch::nn::ModuleList step_{nullptr}, down_{nullptr}, up_{nullptr}, merge_{nullptr};
};
TORCH_MODULE(UNet);

class PatchDiscriminatorImpl : public torch::nn::Module {
 public:
  // Judges cat(input, image) [B, in + out, H, W]: logits [B, 1, H / 4, W / 4],
  // one per 10x10 patch (two 4x4 stride-2 convolutions and a 3x3 one).
  PatchDiscriminatorImpl(int64_t in_channels, int64_t out_channels, int64_t features);
  torch::Tensor forward(const torch::Tensor& input, const torch::Tensor& image);

 private:
  torch::nn::Sequential main{nullptr};
};
TORCH_MODULE(PatchDiscriminator);

class PairEncoderImpl : public torch::nn::Module {
 public:
  // q(z | input, target): mean and log-variance [B, latent] of cat(input, target).
  PairEncoderImpl(int64_t in_channels, int64_t out_channels, int64_t features, int64_t height, int64_t width,
                  int64_t latent_dim);
  std::pair<torch::Tensor, torch::Tensor> forward(const torch::Tensor& input, const torch::Tensor& target);

 private:
  int64_t latent_dim_;
  torch::nn::Sequential main{nullptr};
};
TORCH_MODULE(PairEncoder);

// E_CONFIG / E_SHAPE naming the bad value of a U-Net for height x width images.
void check_unet_options(const UNetOptions& options, int64_t height, int64_t width);

}  // namespace gentorch
