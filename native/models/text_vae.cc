#include "text_vae.h"

#include "../core/error.h"

namespace gentorch {

namespace rnn = torch::nn::utils::rnn;

TextVaeNetImpl::TextVaeNetImpl(const TextVaeNetOptions& o) : options_(o) {
  const int64_t dirs = o.bidirectional() ? 2 : 1;
  embed = register_module("embed", torch::nn::Embedding(o.vocab_size(), o.embed_dim()));
  encoder_rnn =
      register_module("encoder_rnn", torch::nn::GRU(torch::nn::GRUOptions(o.embed_dim(), o.encoder_hidden_dim())
                                                        .batch_first(true)
                                                        .bidirectional(o.bidirectional())));
  fc_mu = register_module("fc_mu", torch::nn::Linear(dirs * o.encoder_hidden_dim(), o.latent_dim()));
  fc_logvar = register_module("fc_logvar", torch::nn::Linear(dirs * o.encoder_hidden_dim(), o.latent_dim()));
  latent_to_hidden = register_module("latent_to_hidden", torch::nn::Linear(o.latent_dim(), o.hidden_dim()));
  decoder_rnn = register_module(
      "decoder_rnn",
      torch::nn::GRU(torch::nn::GRUOptions(o.embed_dim() + o.latent_dim(), o.hidden_dim()).batch_first(true)));
  output = register_module("output", torch::nn::Linear(o.hidden_dim(), o.vocab_size()));
  if (o.ngram_order() > 0) {
    // Zero rows: the features start silent and grow where contexts recur.
    ngram_table = register_parameter("ngram_table", torch::zeros({o.ngram_buckets(), o.ngram_dim()}));
    ngram_out = register_module("ngram_out",
                                torch::nn::Linear(torch::nn::LinearOptions(o.ngram_dim(), o.vocab_size()).bias(false)));
  }
}

std::pair<torch::Tensor, torch::Tensor> TextVaeNetImpl::encode(const torch::Tensor& tokens,
                                                               const torch::Tensor& lengths) {
  auto packed = rnn::pack_padded_sequence(embed->forward(tokens), lengths, /*batch_first=*/true,
                                          /*enforce_sorted=*/false);
  auto h_n = std::get<1>(encoder_rnn->forward_with_packed_input(packed));  // [dirs, B, hidden]
  auto h = h_n.transpose(0, 1).reshape({tokens.size(0), -1});              // both directions side by side
  return {fc_mu->forward(h), fc_logvar->forward(h)};
}

torch::Tensor TextVaeNetImpl::initial_hidden(const torch::Tensor& z) {
  return torch::tanh(latent_to_hidden->forward(z)).unsqueeze(0);
}

DecoderState TextVaeNetImpl::start(const torch::Tensor& z) {
  auto hidden = initial_hidden(z);
  auto history = torch::full({z.size(0), options_.ngram_order()}, kPad,
                             torch::TensorOptions().dtype(torch::kInt64).device(z.device()));
  return {hidden, history};
}

torch::Tensor TextVaeNetImpl::ngram_buckets(const torch::Tensor& padded) const {
  // Order n's context at position t is the n inputs ending there, hashed
  // with n (so "ab" as a 2-gram and as part of a 3-gram differ) by a
  // polynomial rolling hash mod a prime below 2^31, then mixed
  // (Knuth's multiplicative constant) into the table: no overflow in int64.
  const int64_t k = options_.ngram_order(), len = padded.size(1) - (k - 1);
  constexpr int64_t kPrime = 2147483629, kBase = 1000003 % kPrime, kMix = 2654435761;
  std::vector<torch::Tensor> orders;
  auto h = torch::zeros({padded.size(0), len}, padded.options().dtype(torch::kInt64));
  for (int64_t n = 1; n <= k; ++n) {
    // Add the input n-1 places back: h covers inputs t-n+1 .. t.
    auto back = padded.slice(1, k - n, k - n + len).to(torch::kInt64);
    h = (h * 131 + back + 1).remainder(kPrime);
    orders.push_back(((h + n * kBase).remainder(kPrime) * kMix).remainder(options_.ngram_buckets()));
  }
  return torch::stack(orders, 2);
}

torch::Tensor TextVaeNetImpl::ngram_logits(const torch::Tensor& buckets, NgramRows* ngram, const RowNoise* noise) {
  const int64_t k = options_.ngram_order();
  // Each position's K rows summed as they are read (one bag per position).
  auto bags = torch::nn::functional::EmbeddingBagFuncOptions().mode(torch::kSum);
  torch::Tensor features;
  const double p = options_.ngram_dropout();
  if (noise != nullptr && p > 0) {
    auto keep = noise->rand(buckets.sizes(), torch::TensorOptions().device(buckets.device())) >= p;
    bags.per_sample_weights(keep.to(torch::kFloat32).reshape({-1, k}) / (1 - p));
  }
  if (ngram != nullptr) {
    auto u = at::_unique2(buckets.reshape({-1}), /*sorted=*/false, /*return_inverse=*/true);
    ngram->index = std::get<0>(u);
    ngram->rows = ngram_table.detach().index_select(0, ngram->index).requires_grad_(true);
    features = torch::nn::functional::embedding_bag(std::get<1>(u).view({-1, k}), ngram->rows, bags);
  } else {
    // Constant here (the latent searches differentiate through the decoder).
    features = torch::nn::functional::embedding_bag(buckets.reshape({-1, k}), ngram_table.detach(), bags);
  }
  auto sizes = buckets.sizes().vec();
  sizes.back() = options_.ngram_dim();
  return ngram_out->forward(features.view(sizes));
}

torch::Tensor TextVaeNetImpl::dropped(const torch::Tensor& x, const RowNoise* noise) const {
  const double p = options_.dropout();
  if (noise == nullptr || p <= 0) return x;
  auto keep = noise->rand(x.sizes(), x.options()) >= p;
  return x * keep.to(x.scalar_type()) / (1 - p);
}

torch::Tensor TextVaeNetImpl::decode_logits(const torch::Tensor& inputs, const torch::Tensor& z, const RowNoise* noise,
                                            NgramRows* ngram) {
  auto e = dropped(embed->forward(inputs), noise);
  auto zs = z.unsqueeze(1).expand({z.size(0), inputs.size(1), z.size(1)});
  auto out = std::get<0>(decoder_rnn->forward(torch::cat({e, zs}, 2), initial_hidden(z)));
  auto logits = output->forward(dropped(out, noise));
  const int64_t k = options_.ngram_order();
  if (k == 0) return logits;
  auto before = torch::full({inputs.size(0), k - 1}, kPad, inputs.options());
  return logits + ngram_logits(ngram_buckets(torch::cat({before, inputs}, 1)), ngram, noise);
}

torch::Tensor TextVaeNetImpl::step(const torch::Tensor& input, const torch::Tensor& z, DecoderState& state) {
  auto x = torch::cat({embed->forward(input), z}, 1).unsqueeze(1);  // [B, 1, embed + latent]
  auto [out, h] = decoder_rnn->forward(x, state.hidden);
  state.hidden = h;
  auto logits = output->forward(out.squeeze(1));
  const int64_t k = options_.ngram_order();
  if (k == 0) return logits;
  state.history = torch::cat({state.history.slice(1, 1), input.to(torch::kInt64).unsqueeze(1)}, 1);
  return logits + ngram_logits(ngram_buckets(state.history), nullptr, nullptr).squeeze(1);
}

TextVaeNet make_text_vae_net(const TextVaeNetOptions& o) {
  if (o.vocab_size() <= kSpecials) {
    fail("E_CONFIG", "Expected vocabSize above ", kSpecials, " (the specials and at least one character) but received ",
         o.vocab_size());
  }
  if (o.max_length() < 1) fail("E_CONFIG", "Expected positive integer for maxLength but received ", o.max_length());
  if (o.embed_dim() < 1) fail("E_CONFIG", "Expected positive integer for embedDim but received ", o.embed_dim());
  if (o.hidden_dim() < 1) fail("E_CONFIG", "Expected positive integer for hiddenDim but received ", o.hidden_dim());
  if (o.encoder_hidden_dim() < 1)
    fail("E_CONFIG", "Expected positive integer for encoderHiddenDim but received ", o.encoder_hidden_dim());
  if (!(o.dropout() >= 0 && o.dropout() < 1)) fail("E_CONFIG", "Expected dropout in [0, 1) but received ", o.dropout());
  if (o.ngram_order() < 0 || o.ngram_order() > 16)
    fail("E_CONFIG", "Expected ngramOrder in [0, 16] but received ", o.ngram_order());
  if (o.ngram_buckets() < 1)
    fail("E_CONFIG", "Expected positive integer for ngramBuckets but received ", o.ngram_buckets());
  if (!(o.ngram_dropout() >= 0 && o.ngram_dropout() < 1))
    fail("E_CONFIG", "Expected ngramDropout in [0, 1) but received ", o.ngram_dropout());
  if (o.ngram_dim() < 1) fail("E_CONFIG", "Expected positive integer for ngramDim but received ", o.ngram_dim());
  if (o.latent_dim() < 1) fail("E_CONFIG", "Expected positive integer for latentDim but received ", o.latent_dim());
  return TextVaeNet(o);
}

}  // namespace gentorch
