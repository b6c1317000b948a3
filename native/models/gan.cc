#include "gan.h"

#include <algorithm>

#include "../core/error.h"
#include "safe_conv.h"

namespace gentorch {

namespace nn = torch::nn;

namespace {

int64_t dcgan_start(int64_t) { return 4; }
int64_t dcgan_doublings(int64_t size) {
  int64_t n = 0;
  for (int64_t s = dcgan_start(size); s < size; s *= 2) ++n;
  return n;
}

void add_output(nn::Sequential& seq, const std::string& output) {
  if (output == "sigmoid")
    seq->push_back(nn::Sigmoid());
  else if (output == "tanh")
    seq->push_back(nn::Tanh());
}

nn::Sequential mlp_generator(const GanNetOptions& o) {
  nn::Sequential seq;
  int64_t in = o.latent_dim() + o.num_classes();
  for (int64_t i = 0; i < o.hidden_layers(); ++i) {
    seq->push_back(nn::Linear(in, o.g_hidden()));
    seq->push_back(nn::ReLU());
    in = o.g_hidden();
  }
  seq->push_back(nn::Linear(in, o.channels() * o.height() * o.width()));
  add_output(seq, o.output());
  return seq;
}

nn::Sequential mlp_discriminator(const GanNetOptions& o) {
  nn::Sequential seq;
  int64_t in = o.channels() * o.height() * o.width() + o.num_classes();
  for (int64_t i = 0; i < o.hidden_layers(); ++i) {
    seq->push_back(nn::Linear(in, o.d_hidden()));
    seq->push_back(nn::ReLU());
    in = o.d_hidden();
  }
  seq->push_back(nn::Linear(in, 1));
  return seq;
}

// 28x28: the DCGAN layout of the InfoGAN paper for MNIST (as in
// pytorch-generative-model-collections): z -> 16f -> 2f x 7 x 7 by fully
// connected layers with BatchNorm, then two 2x steps up to 28x28. Each step is
// a nearest-neighbour upsampling and a 3x3 convolution rather than a strided
// transposed convolution, and a last 3x3 convolution maps f/2 channels to the
// image. Measured on one epoch of Fashion-MNIST in PyTorch (Adam 2e-4, batch
// 128, judge FID / classes with >= 5% of the samples): all-convolutional plan
// from 7x7 163 / 5, this layout with ConvT(4, 2, 1) 57 / 8 (its checkerboard
// speckle reads as "shirt" to a classifier), this layout 15.8 / 10
// (seeds 2, 3: 24.3 / 10, 15.6 / 10).
nn::Sequential dcgan28_generator(const GanNetOptions& o) {
  const int64_t f = o.features();
  const int64_t half = std::max<int64_t>(1, f / 2);
  nn::Sequential seq;
  seq->push_back(nn::Linear(o.latent_dim() + o.num_classes(), 16 * f));
  seq->push_back(nn::BatchNorm1d(16 * f));
  seq->push_back(nn::ReLU(true));
  seq->push_back(nn::Linear(16 * f, 2 * f * 7 * 7));
  seq->push_back(nn::BatchNorm1d(2 * f * 7 * 7));
  seq->push_back(nn::ReLU(true));
  seq->push_back(nn::Unflatten(nn::UnflattenOptions(1, {2 * f, 7, 7})));
  const auto up = nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest);
  seq->push_back(nn::Upsample(up));
  seq->push_back(SafeConv2d(2 * f, f, 3, 1, 1));
  seq->push_back(nn::BatchNorm2d(f));
  seq->push_back(nn::ReLU(true));
  seq->push_back(nn::Upsample(up));
  seq->push_back(SafeConv2d(f, half, 3, 1, 1));
  seq->push_back(nn::BatchNorm2d(half));
  seq->push_back(nn::ReLU(true));
  seq->push_back(SafeConv2d(half, o.channels(), 3, 1, 1));
  add_output(seq, o.output());
  return seq;
}

// Its discriminator: two strided convolutions, then 2f x 7 x 7 -> 16f -> 1.
nn::Sequential dcgan28_discriminator(const GanNetOptions& o) {
  const int64_t f = o.features();
  const bool bn = o.d_batchnorm();
  nn::Sequential seq;
  seq->push_back(SafeConv2d(o.channels() + o.num_classes(), f, 4, 2, 1));
  seq->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)));
  seq->push_back(SafeConv2d(f, 2 * f, 4, 2, 1));
  if (bn) seq->push_back(nn::BatchNorm2d(2 * f));
  seq->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)));
  seq->push_back(nn::Flatten());
  seq->push_back(nn::Linear(2 * f * 7 * 7, 16 * f));
  if (bn) seq->push_back(nn::BatchNorm1d(16 * f));
  seq->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)));
  seq->push_back(nn::Linear(16 * f, 1));
  return seq;
}

// 32 and 64: z as a [B, latent + classes, 1, 1] map, up to [B, C, H, W]: the
// layer plan of PyTorch's dcgan example, from 4x4.
nn::Sequential dcgan_generator(const GanNetOptions& o) {
  if (o.height() == 28) return dcgan28_generator(o);
  const int64_t ups = dcgan_doublings(o.height());
  int64_t c = o.features() << (ups - 1);
  nn::Sequential seq;
  seq->push_back(SafeConvTranspose2d(o.latent_dim() + o.num_classes(), c, dcgan_start(o.height())));
  seq->push_back(nn::BatchNorm2d(c));
  seq->push_back(nn::ReLU(true));
  for (int64_t i = 1; i < ups; ++i) {
    seq->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(c, c / 2, 4).stride(2).padding(1).bias(false)));
    seq->push_back(nn::BatchNorm2d(c / 2));
    seq->push_back(nn::ReLU(true));
    c /= 2;
  }
  seq->push_back(nn::ConvTranspose2d(nn::ConvTranspose2dOptions(c, o.channels(), 4).stride(2).padding(1).bias(false)));
  add_output(seq, o.output());
  return seq;
}

nn::Sequential dcgan_discriminator(const GanNetOptions& o) {
  if (o.height() == 28) return dcgan28_discriminator(o);
  const int64_t downs = dcgan_doublings(o.height());
  const bool bn = o.d_batchnorm();
  int64_t c = o.features();
  nn::Sequential seq;
  seq->push_back(SafeConv2d(o.channels() + o.num_classes(), c, 4, 2, 1, false));
  seq->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)));
  for (int64_t i = 1; i < downs; ++i) {
    seq->push_back(SafeConv2d(c, c * 2, 4, 2, 1, !bn));
    if (bn) seq->push_back(nn::BatchNorm2d(c * 2));
    seq->push_back(nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)));
    c *= 2;
  }
  seq->push_back(SafeConv2d(c, 1, dcgan_start(o.height()), 1, 0, false));
  return seq;
}

torch::Tensor one_hot(const torch::Tensor& labels, int64_t classes, const torch::Tensor& like) {
  return torch::one_hot(labels, classes).to(like.scalar_type());
}

}  // namespace

void check_gan_options(const GanNetOptions& o) {
  if (o.arch() != "mlp" && o.arch() != "dcgan")
    fail("E_CONFIG", "Expected arch mlp or dcgan but received \"", o.arch(), "\"");
  if (o.output() != "sigmoid" && o.output() != "tanh" && o.output() != "linear") {
    fail("E_CONFIG", "Expected output sigmoid, tanh or linear but received \"", o.output(), "\"");
  }
  for (auto [name, v] : {std::pair<const char*, int64_t>{"latentDim", o.latent_dim()},
                         {"gHidden", o.g_hidden()},
                         {"dHidden", o.d_hidden()},
                         {"hiddenLayers", o.hidden_layers()},
                         {"features", o.features()},
                         {"channels", o.channels()},
                         {"height", o.height()},
                         {"width", o.width()}}) {
    if (v < 1) fail("E_CONFIG", "Expected positive integer for ", name, " but received ", v);
  }
  if (o.num_classes() < 0)
    fail("E_CONFIG", "Expected non-negative integer for numClasses but received ", o.num_classes());
  if (o.arch() == "dcgan" && (o.height() != o.width() || (o.height() != 28 && o.height() != 32 && o.height() != 64))) {
    fail("E_SHAPE", "Expected 28x28, 32x32 or 64x64 images for arch dcgan but received ", o.height(), "x", o.width());
  }
}

Generator::Generator(const GanNetOptions& options) : options_(options) {
  check_gan_options(options);
  main = register_module("main", options.arch() == "dcgan" ? dcgan_generator(options) : mlp_generator(options));
}

torch::Tensor Generator::forward(const torch::Tensor& z, const torch::Tensor& labels) {
  auto in = options_.num_classes() > 0 ? torch::cat({z, one_hot(labels, options_.num_classes(), z)}, 1) : z;
  if (options_.arch() == "dcgan" && options_.height() == 28) return main->forward(in);
  if (options_.arch() == "dcgan") return main->forward(in.view({in.size(0), in.size(1), 1, 1}));
  return main->forward(in).view({z.size(0), options_.channels(), options_.height(), options_.width()});
}

Discriminator::Discriminator(const GanNetOptions& options) : options_(options) {
  check_gan_options(options);
  main = register_module("main", options.arch() == "dcgan" ? dcgan_discriminator(options) : mlp_discriminator(options));
}

torch::Tensor Discriminator::forward(const torch::Tensor& x, const torch::Tensor& labels) {
  const int64_t k = options_.num_classes();
  if (options_.arch() == "dcgan") {
    auto in = x;
    if (k > 0) {
      auto maps = one_hot(labels, k, x).view({x.size(0), k, 1, 1}).expand({x.size(0), k, x.size(2), x.size(3)});
      in = torch::cat({x, maps}, 1);
    }
    return main->forward(in).view({-1});
  }
  auto flat = x.reshape({x.size(0), -1});
  if (k > 0) flat = torch::cat({flat, one_hot(labels, k, flat)}, 1);
  return main->forward(flat).view({-1});
}

void dcgan_init(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& m : module.modules(/*include_self=*/false)) {
    const std::string name = m->name();
    if (name.find("Conv") != std::string::npos || name.find("Linear") != std::string::npos) {
      auto params = m->named_parameters(false);
      torch::nn::init::normal_(params["weight"], 0.0, 0.02);
      if (params.contains("bias")) torch::nn::init::zeros_(params["bias"]);
    } else if (name.find("BatchNorm") != std::string::npos) {
      torch::nn::init::normal_(m->named_parameters(false)["weight"], 1.0, 0.02);
      torch::nn::init::zeros_(m->named_parameters(false)["bias"]);
    }
  }
}

}  // namespace gentorch
