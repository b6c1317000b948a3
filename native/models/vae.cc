#include "vae.h"

#include "../core/error.h"

namespace gentorch {

namespace F = torch::nn::functional;

MlpVae::MlpVae(const VaeNetOptions& options) : options_(options) {
  const int64_t pixels = options.channels() * options.height() * options.width();
  fc1 = register_module("fc1", torch::nn::Linear(pixels, options.hidden_dim()));
  fc21 = register_module("fc21", torch::nn::Linear(options.hidden_dim(), options.latent_dim()));
  fc22 = register_module("fc22", torch::nn::Linear(options.hidden_dim(), options.latent_dim()));
  fc3 = register_module("fc3", torch::nn::Linear(options.latent_dim(), options.hidden_dim()));
  fc4 = register_module("fc4", torch::nn::Linear(options.hidden_dim(), pixels));
}

std::pair<torch::Tensor, torch::Tensor> MlpVae::encode(const torch::Tensor& x) {
  auto h1 = torch::relu(fc1->forward(x.reshape({x.size(0), -1})));
  return {fc21->forward(h1), fc22->forward(h1)};
}

torch::Tensor MlpVae::decode_logits(const torch::Tensor& z) {
  auto h3 = torch::relu(fc3->forward(z));
  return fc4->forward(h3).view({z.size(0), options_.channels(), options_.height(), options_.width()});
}

ConvVae::ConvVae(const VaeNetOptions& options) : options_(options) {
  const int64_t c = options.channels();
  const int64_t feat = 64 * (options.height() / 4) * (options.width() / 4);
  using CO = torch::nn::Conv2dOptions;
  using TO = torch::nn::ConvTranspose2dOptions;
  enc_conv1 = register_module("enc_conv1", torch::nn::Conv2d(CO(c, 32, 4).stride(2).padding(1)));
  enc_conv2 = register_module("enc_conv2", torch::nn::Conv2d(CO(32, 64, 4).stride(2).padding(1)));
  fc_mu = register_module("fc_mu", torch::nn::Linear(feat, options.latent_dim()));
  fc_logvar = register_module("fc_logvar", torch::nn::Linear(feat, options.latent_dim()));
  dec_fc = register_module("dec_fc", torch::nn::Linear(options.latent_dim(), feat));
  dec_conv1 = register_module("dec_conv1", torch::nn::ConvTranspose2d(TO(64, 32, 4).stride(2).padding(1)));
  dec_conv2 = register_module("dec_conv2", torch::nn::ConvTranspose2d(TO(32, c, 4).stride(2).padding(1)));
}

std::pair<torch::Tensor, torch::Tensor> ConvVae::encode(const torch::Tensor& x) {
  auto h = torch::relu(enc_conv1->forward(x));
  h = torch::relu(enc_conv2->forward(h)).flatten(1);
  return {fc_mu->forward(h), fc_logvar->forward(h)};
}

torch::Tensor ConvVae::decode_logits(const torch::Tensor& z) {
  auto h = torch::relu(dec_fc->forward(z)).view({z.size(0), 64, options_.height() / 4, options_.width() / 4});
  h = torch::relu(dec_conv1->forward(h));
  return dec_conv2->forward(h);
}

std::shared_ptr<VaeNet> make_vae_net(const VaeNetOptions& o) {
  if (o.channels() < 1 || o.height() < 1 || o.width() < 1) {
    fail("E_SHAPE", "Expected positive image dimensions but received [", o.channels(), ", ", o.height(), ", ",
         o.width(), "]");
  }
  if (o.latent_dim() < 1) fail("E_CONFIG", "Expected positive integer for latentDim but received ", o.latent_dim());
  if (o.arch() == "mlp") {
    if (o.hidden_dim() < 1) fail("E_CONFIG", "Expected positive integer for hiddenDim but received ", o.hidden_dim());
    return std::make_shared<MlpVae>(o);
  }
  if (o.arch() == "conv") {
    if (o.height() % 4 != 0 || o.width() % 4 != 0) {
      fail("E_SHAPE", "Expected image height and width divisible by 4 for arch conv but received ", o.height(), "x",
           o.width());
    }
    return std::make_shared<ConvVae>(o);
  }
  fail("E_CONFIG", "Expected arch mlp or conv but received \"", o.arch(), "\"");
}

}  // namespace gentorch
