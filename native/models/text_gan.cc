#include "text_gan.h"

#include "../core/error.h"

namespace gentorch {

namespace nn = torch::nn;

namespace {
// `blocks` residual blocks of `channels`, named 0, 1, ... inside a Sequential.
nn::Sequential residual_stack(int64_t blocks, int64_t channels) {
  nn::Sequential s;
  for (int64_t i = 0; i < blocks; ++i) s->push_back(ResBlock1d(channels));
  return s;
}

// A kernel-1 Conv1d as the matrix product it is, on the module's own
// parameters: libtorch 2.6's oneDNN gets the input gradient of convolutions
// with few output channels wrong on the CPU (safe_conv.h), and G's last layer
// has vocabSize of them.
torch::Tensor pointwise(const nn::Conv1d& conv, const torch::Tensor& x) {
  return torch::matmul(conv->weight.squeeze(2), x) + conv->bias.unsqueeze(1);
}
}  // namespace

ResBlock1dImpl::ResBlock1dImpl(int64_t channels) {
  // Indices 1 and 3 hold the weights (res_block.1.weight), as nn.Sequential's in PyTorch.
  res_block = register_module(
      "res_block", nn::Sequential(nn::ReLU(), nn::Conv1d(nn::Conv1dOptions(channels, channels, 5).padding(2)),
                                  nn::ReLU(), nn::Conv1d(nn::Conv1dOptions(channels, channels, 5).padding(2))));
}

torch::Tensor ResBlock1dImpl::forward(const torch::Tensor& x) { return x + kResidualScale * res_block->forward(x); }

TextGeneratorImpl::TextGeneratorImpl(const TextGanNetOptions& o) : options_(o) {
  const int64_t width = o.max_length() + 1;
  fc1 = register_module("fc1", nn::Linear(o.latent_dim(), o.hidden_dim() * width));
  block = register_module("block", residual_stack(o.blocks(), o.hidden_dim()));
  conv1 = register_module("conv1", nn::Conv1d(nn::Conv1dOptions(o.hidden_dim(), o.vocab_size(), 1)));
}

torch::Tensor TextGeneratorImpl::logits(const torch::Tensor& z) {
  auto h = fc1->forward(z).view({z.size(0), options_.hidden_dim(), options_.max_length() + 1});
  return pointwise(conv1, block->forward(h));
}

torch::Tensor TextGeneratorImpl::forward(const torch::Tensor& z) { return torch::softmax(logits(z), 1); }

TextCriticImpl::TextCriticImpl(const TextGanNetOptions& o) {
  const int64_t width = o.max_length() + 1;
  conv1d = register_module("conv1d", nn::Conv1d(nn::Conv1dOptions(o.vocab_size(), o.hidden_dim(), 1)));
  block = register_module("block", residual_stack(o.blocks(), o.hidden_dim()));
  linear = register_module("linear", nn::Linear(o.hidden_dim() * width, 1));
}

torch::Tensor TextCriticImpl::forward(const torch::Tensor& x) {
  auto h = block->forward(pointwise(conv1d, x));
  return linear->forward(h.flatten(1)).squeeze(1);
}

void check_text_gan_options(const TextGanNetOptions& o) {
  if (o.vocab_size() <= kSpecials) {
    fail("E_CONFIG", "Expected vocabSize above ", kSpecials, " (the specials and at least one character) but received ",
         o.vocab_size());
  }
  if (o.max_length() < 1) fail("E_CONFIG", "Expected positive integer for maxLength but received ", o.max_length());
  if (o.latent_dim() < 1) fail("E_CONFIG", "Expected positive integer for latentDim but received ", o.latent_dim());
  if (o.hidden_dim() < 1) fail("E_CONFIG", "Expected positive integer for hiddenDim but received ", o.hidden_dim());
  if (o.blocks() < 1) fail("E_CONFIG", "Expected positive integer for blocks but received ", o.blocks());
}

}  // namespace gentorch
