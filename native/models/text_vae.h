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

#include "row_noise.h"
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
  /// Width of the decoder GRU's hidden state.
  TORCH_ARG(int64_t, hidden_dim) = 256;
  /// Width of the encoder GRU's hidden state.
  TORCH_ARG(int64_t, encoder_hidden_dim) = 128;
  /// Dropout on the decoder's input embeddings and on its outputs, while training.
  TORCH_ARG(double, dropout) = 0;
  /// Dimension of the latent code z.
  TORCH_ARG(int64_t, latent_dim) = 32;
  /// A bidirectional encoder (its two final states feed mu and logvar).
  TORCH_ARG(bool, bidirectional) = false;
  /// Longest context of the decoder's hashed n-gram features (1 to ngram_order
  /// previous inputs); 0 for none.
  TORCH_ARG(int64_t, ngram_order) = 6;
  /// Rows of the hashed feature table (contexts share rows when their hashes collide).
  TORCH_ARG(int64_t, ngram_buckets) = 1 << 17;
  /// Width of a feature row; a shared linear map takes their sum to logits.
  TORCH_ARG(int64_t, ngram_dim) = 32;
  /// While training, each position drops each of its n-gram rows with this
  /// probability (the rest scaled up), so the GRU learns to back off.
  TORCH_ARG(double, ngram_dropout) = 0;
};

/// The rows of the n-gram table a training step read, as a leaf whose
/// gradient is theirs alone (the table itself gets no dense gradient).
struct NgramRows {
  torch::Tensor index;  // [U] table rows
  torch::Tensor rows;   // [U, ngram_dim], requires grad
};

/// Where the decoder stands between step() calls.
struct DecoderState {
  torch::Tensor hidden;   // [1, B, hidden]
  torch::Tensor history;  // [B, ngram_order] the latest inputs, oldest first (PAD before the BOS)
};

class TextVaeNetImpl : public torch::nn::Module {
 public:
  explicit TextVaeNetImpl(const TextVaeNetOptions& options);

  // tokens [B, W] (characters, EOS, then PAD), lengths [B] int64 on the CPU
  // (characters + EOS): mu and logvar of q(z|x), [B, latent]. The encoder
  // runs on packed sequences, so PAD never reaches its final states.
  std::pair<torch::Tensor, torch::Tensor> encode(const torch::Tensor& tokens, const torch::Tensor& lengths);
  // The decoder's first state from z.
  DecoderState start(const torch::Tensor& z);
  // Teacher forcing: inputs [B, W] (BOS, characters, ...) and z [B, latent]
  // give the logits of each next token, [B, W, vocab]. With `noise` (while
  // training) the options' dropouts draw their masks from it; with `ngram`
  // the n-gram rows read become a leaf there, for step_rows().
  torch::Tensor decode_logits(const torch::Tensor& inputs, const torch::Tensor& z, const RowNoise* noise = nullptr,
                              NgramRows* ngram = nullptr);
  // One decoder step: input ids [B] and z [B, latent] give the logits
  // [B, vocab]; `state` moves on.
  torch::Tensor step(const torch::Tensor& input, const torch::Tensor& z, DecoderState& state);

  const TextVaeNetOptions& options() const { return options_; }

 private:
  // The decoder GRU's first hidden state from z: [1, B, hidden].
  torch::Tensor initial_hidden(const torch::Tensor& z);
  // The table rows of every position's n-gram contexts: padded [B, K-1+L]
  // (K-1 earlier inputs, then L inputs) gives [B, L, K].
  torch::Tensor ngram_buckets(const torch::Tensor& padded) const;
  // The n-gram features' logits for those rows, [B, L, vocab].
  torch::Tensor ngram_logits(const torch::Tensor& buckets, NgramRows* ngram, const RowNoise* noise);
  // Inverted dropout of the options' rate, masks drawn from `noise`; x itself without noise or rate.
  torch::Tensor dropped(const torch::Tensor& x, const RowNoise* noise) const;

  TextVaeNetOptions options_;
  torch::nn::Embedding embed{nullptr};
  torch::nn::GRU encoder_rnn{nullptr}, decoder_rnn{nullptr};
  torch::nn::Linear fc_mu{nullptr}, fc_logvar{nullptr}, latent_to_hidden{nullptr}, output{nullptr};
  torch::nn::Linear ngram_out{nullptr};
  torch::Tensor ngram_table;
};
TORCH_MODULE(TextVaeNet);

// Checks the options (E_CONFIG naming the bad value) and builds the network.
TextVaeNet make_text_vae_net(const TextVaeNetOptions& options);

}  // namespace gentorch
