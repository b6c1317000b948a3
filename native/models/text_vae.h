// The sequence VAE for text (Bowman et al. 2016, "Generating Sentences from a
// Continuous Space"), over characters: a GRU encoder reads a line's
// characters and its EOS and gives q(z|x) = N(mu, diag(sigma^2)); a GRU
// decoder, started from z and fed z beside every input character, predicts
// the characters and the EOS after BOS. Ids are lib/data/vocabulary.ts's:
// PAD 0, BOS 1, EOS 2, UNK 3, then the characters. Module names are
// checkpoint keys and follow torch.nn's (a GRU's weight_ih_l0, ...), so a
// PyTorch module of the same layout loads the weights as they are.
#pragma once

#include <torch/torch.h>

#include <utility>

#include "text_ids.h"

namespace gentorch {

/// Shape and size of a text VAE; mirrored 1:1 by TextVaeConfig in lib/config/text-vae.ts.
struct TextVaeNetOptions {
  /// Ids in all: the 4 specials and the characters. 0 until a vocabulary sets it.
  TORCH_ARG(int64_t, vocab_size) = 0;
  /// Longest line in characters; token rows are maxLength + 1 wide (the EOS).
  TORCH_ARG(int64_t, max_length) = 32;
  /// Width of the character embedding (shared by encoder and decoder).
  TORCH_ARG(int64_t, embed_dim) = 64;
  /// Width of each GRU's hidden state.
  TORCH_ARG(int64_t, hidden_dim) = 256;
  /// Dimension of the latent code z.
  TORCH_ARG(int64_t, latent_dim) = 32;
  /// A bidirectional encoder (its two final states feed mu and logvar).
  TORCH_ARG(bool, bidirectional) = false;
};

class TextVaeNetImpl : public torch::nn::Module {
 public:
  explicit TextVaeNetImpl(const TextVaeNetOptions& options);

  // tokens [B, W] (characters, EOS, then PAD), lengths [B] int64 on the CPU
  // (characters + EOS): mu and logvar of q(z|x), [B, latent]. The encoder
  // runs on packed sequences, so PAD never reaches its final states.
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& tokens, const torch::Tensor& lengths);
  // The decoder's first hidden state from z: [1, B, hidden].
  torch::Tensor initial_state(const torch::Tensor& z);
  // Teacher forcing: inputs [B, W] (BOS, characters, ...) and z [B, latent]
  // give the logits of each next token, [B, W, vocab].
  torch::Tensor decode_logits(const torch::Tensor& inputs, const torch::Tensor& z);
  // One decoder step: input ids [B], z [B, latent] and the hidden state
  // [1, B, hidden] give the logits [B, vocab]; `hidden` moves on.
  torch::Tensor step(const torch::Tensor& input, const torch::Tensor& z, torch::Tensor& hidden);

  const TextVaeNetOptions& options() const { return options_; }

 private:
  TextVaeNetOptions options_;
  torch::nn::Embedding embed{nullptr};
  torch::nn::GRU encoder_rnn{nullptr}, decoder_rnn{nullptr};
  torch::nn::Linear fc_mu{nullptr}, fc_logvar{nullptr}, latent_to_hidden{nullptr}, output{nullptr};
};
TORCH_MODULE(TextVaeNet);

// Checks the options (E_CONFIG naming the bad value) and builds the network.
TextVaeNet make_text_vae_net(const TextVaeNetOptions& options);

}  // namespace gentorch
