#include "text_vae.h"

#include "../core/error.h"

namespace gentorch {

namespace rnn = torch::nn::utils::rnn;

TextVaeNetImpl::TextVaeNetImpl(const TextVaeNetOptions& o) : options_(o) {
  const int64_t dirs = o.bidirectional() ? 2 : 1;
  embed = register_module("embed", torch::nn::Embedding(o.vocab_size(), o.embed_dim()));
  encoder_rnn = register_module(
      "encoder_rnn",
      torch::nn::GRU(
          torch::nn::GRUOptions(o.embed_dim(), o.hidden_dim()).batch_first(true).bidirectional(o.bidirectional())));
  fc_mu = register_module("fc_mu", torch::nn::Linear(dirs * o.hidden_dim(), o.latent_dim()));
  fc_logvar = register_module("fc_logvar", torch::nn::Linear(dirs * o.hidden_dim(), o.latent_dim()));
  latent_to_hidden = register_module("latent_to_hidden", torch::nn::Linear(o.latent_dim(), o.hidden_dim()));
  decoder_rnn = register_module(
      "decoder_rnn",
      torch::nn::GRU(torch::nn::GRUOptions(o.embed_dim() + o.latent_dim(), o.hidden_dim()).batch_first(true)));
  output = register_module("output", torch::nn::Linear(o.hidden_dim(), o.vocab_size()));
}

std::pair<torch::Tensor, torch::Tensor> TextVaeNetImpl::encode(const torch::Tensor& tokens,
                                                               const torch::Tensor& lengths) {
  auto packed = rnn::pack_padded_sequence(embed->forward(tokens), lengths, /*batch_first=*/true,
                                          /*enforce_sorted=*/false);
  auto h_n = std::get<1>(encoder_rnn->forward_with_packed_input(packed));  // [dirs, B, hidden]
  auto h = h_n.transpose(0, 1).reshape({tokens.size(0), -1});              // both directions side by side
  return {fc_mu->forward(h), fc_logvar->forward(h)};
}

torch::Tensor TextVaeNetImpl::initial_state(const torch::Tensor& z) {
  return torch::tanh(latent_to_hidden->forward(z)).unsqueeze(0);
}

torch::Tensor TextVaeNetImpl::decode_logits(const torch::Tensor& inputs, const torch::Tensor& z) {
  auto e = embed->forward(inputs);
  auto zs = z.unsqueeze(1).expand({z.size(0), inputs.size(1), z.size(1)});
  auto out = std::get<0>(decoder_rnn->forward(torch::cat({e, zs}, 2), initial_state(z)));
  return output->forward(out);
}

torch::Tensor TextVaeNetImpl::step(const torch::Tensor& input, const torch::Tensor& z, torch::Tensor& hidden) {
  auto x = torch::cat({embed->forward(input), z}, 1).unsqueeze(1);  // [B, 1, embed + latent]
  auto [out, h] = decoder_rnn->forward(x, hidden);
  hidden = h;
  return output->forward(out.squeeze(1));
}

TextVaeNet make_text_vae_net(const TextVaeNetOptions& o) {
  if (o.vocab_size() <= kSpecials) {
    fail("E_CONFIG", "Expected vocabSize above ", kSpecials, " (the specials and at least one character) but received ",
         o.vocab_size());
  }
  if (o.max_length() < 1) fail("E_CONFIG", "Expected positive integer for maxLength but received ", o.max_length());
  if (o.embed_dim() < 1) fail("E_CONFIG", "Expected positive integer for embedDim but received ", o.embed_dim());
  if (o.hidden_dim() < 1) fail("E_CONFIG", "Expected positive integer for hiddenDim but received ", o.hidden_dim());
  if (o.latent_dim() < 1) fail("E_CONFIG", "Expected positive integer for latentDim but received ", o.latent_dim());
  return TextVaeNet(o);
}

}  // namespace gentorch
