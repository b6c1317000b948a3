// The text GAN's networks (Gulrajani et al. 2017, "Improved Training of
// Wasserstein GANs", their character language model): both are 1-D
// convolutional residual networks over the positions of a token row.
//   Generator: z [B, latent] -> Linear -> [B, hidden, W] -> `blocks` residual
//     blocks -> Conv1d k=1 to the vocabulary -> softmax over the vocabulary at
//     each position: [B, vocab, W] probabilities, W = maxLength + 1.
//   Critic: [B, vocab, W] (one-hot rows for real lines, G's softmax for fake
//     ones) -> Conv1d k=1 to hidden -> `blocks` residual blocks -> flatten ->
//     Linear -> one score. No normalisation: the gradient penalty is per sample.
// A residual block is ReLU, Conv1d k=5 pad 2, ReLU, Conv1d k=5 pad 2, added
// to its input scaled by 0.3, as in the paper's code. Module names are
// checkpoint keys and follow the PyTorch port of that code (fc1, block.0.
// res_block.1.weight, conv1; conv1d, block..., linear), so a PyTorch module of
// the same layout loads the weights as they are.
#pragma once

#include <torch/torch.h>

#include "text_ids.h"

namespace gentorch {

/// Shape and size of a text GAN; mirrored 1:1 by TextGanConfig in lib/config/text-gan.ts.
struct TextGanNetOptions {
  /// Ids in all: the 4 specials and the characters. 0 until a vocabulary sets it.
  TORCH_ARG(int64_t, vocab_size) = 0;
  /// Longest line in characters; rows are maxLength + 1 positions wide (the EOS).
  TORCH_ARG(int64_t, max_length) = 32;
  /// Dimension of the latent code z.
  TORCH_ARG(int64_t, latent_dim) = 64;
  /// Channels of both networks' convolutions.
  TORCH_ARG(int64_t, hidden_dim) = 128;
  /// Residual blocks in each network.
  TORCH_ARG(int64_t, blocks) = 3;
};

/// The residual connection's scale (the paper's code: output = input + 0.3 * res_block(input)).
constexpr double kResidualScale = 0.3;

class ResBlock1dImpl : public torch::nn::Module {
 public:
  explicit ResBlock1dImpl(int64_t channels);
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Sequential res_block{nullptr};
};
TORCH_MODULE(ResBlock1d);

class TextGeneratorImpl : public torch::nn::Module {
 public:
  explicit TextGeneratorImpl(const TextGanNetOptions& options);
  // Logits over the vocabulary at each position: [B, vocab, W].
  torch::Tensor logits(const torch::Tensor& z);
  // Probabilities: softmax of logits() over the vocabulary (dim 1).
  torch::Tensor forward(const torch::Tensor& z);

 private:
  TextGanNetOptions options_;
  torch::nn::Linear fc1{nullptr};
  torch::nn::Sequential block{nullptr};
  torch::nn::Conv1d conv1{nullptr};
};
TORCH_MODULE(TextGenerator);

class TextCriticImpl : public torch::nn::Module {
 public:
  explicit TextCriticImpl(const TextGanNetOptions& options);
  // Scores [B] of rows given as distributions over the vocabulary [B, vocab, W].
  torch::Tensor forward(const torch::Tensor& x);

 private:
  torch::nn::Conv1d conv1d{nullptr};
  torch::nn::Sequential block{nullptr};
  torch::nn::Linear linear{nullptr};
};
TORCH_MODULE(TextCritic);

// E_CONFIG naming the first bad value of `options`.
void check_text_gan_options(const TextGanNetOptions& options);

}  // namespace gentorch
