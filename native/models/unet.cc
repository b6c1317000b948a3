#include "unet.h"

#include "../core/error.h"
#include "safe_conv.h"

namespace gentorch {

namespace nn = torch::nn;

namespace {

nn::LeakyReLU leaky() { return nn::LeakyReLU(nn::LeakyReLUOptions().negative_slope(0.2).inplace(true)); }

// Two 3x3 convolutions with BatchNorm and ReLU: one level of the U-Net.
nn::Sequential double_conv(int64_t in, int64_t out) {
  nn::Sequential seq;
  seq->push_back(SafeConv2d(in, out, 3, 1, 1, false));
  seq->push_back(nn::BatchNorm2d(out));
  seq->push_back(nn::ReLU(true));
  seq->push_back(SafeConv2d(out, out, 3, 1, 1, false));
  seq->push_back(nn::BatchNorm2d(out));
  seq->push_back(nn::ReLU(true));
  return seq;
}

}  // namespace

void check_unet_options(const UNetOptions& o, int64_t height, int64_t width) {
  for (auto [name, v] : {std::pair<const char*, int64_t>{"inChannels", o.in_channels()},
                         {"outChannels", o.out_channels()},
                         {"features", o.features()},
                         {"depth", o.depth()}}) {
    if (v < 1) fail("E_CONFIG", "Expected positive integer for ", name, " but received ", v);
  }
  if (o.latent_dim() < 0) fail("E_CONFIG", "Expected non-negative integer for latentDim but received ", o.latent_dim());
  if (!(o.dropout() >= 0 && o.dropout() < 1)) fail("E_CONFIG", "Expected dropout in [0, 1) but received ", o.dropout());
  if (o.depth() > 6) fail("E_CONFIG", "Expected depth of at most 6 but received ", o.depth());
  const int64_t step = int64_t{1} << o.depth();
  if (height % step != 0 || width % step != 0 || height < 2 * step || width < 2 * step) {
    fail("E_SHAPE", "Expected images whose height and width divide by 2^depth = ", step, " (depth ", o.depth(),
         ") but received ", height, "x", width);
  }
}

UNetImpl::UNetImpl(const UNetOptions& options) : options_(options) {
  const int64_t f = options.features();
  in_ = register_module("inc", double_conv(options.in_channels(), f));
  step_ = register_module("step", nn::ModuleList());
  down_ = register_module("down", nn::ModuleList());
  up_ = register_module("up", nn::ModuleList());
  merge_ = register_module("merge", nn::ModuleList());
  int64_t c = f;
  for (int64_t i = 0; i < options.depth(); ++i) {
    // The 2x step down, learned.
    step_->push_back(nn::Sequential(SafeConv2d(c, c, 4, 2, 1, false), nn::BatchNorm2d(c), nn::ReLU(true)));
    down_->push_back(double_conv(c, 2 * c));
    c *= 2;
  }
  for (int64_t i = 0; i < options.depth(); ++i) {
    const auto twice = nn::UpsampleOptions().scale_factor(std::vector<double>{2.0, 2.0}).mode(torch::kNearest);
    up_->push_back(nn::Sequential(nn::Upsample(twice), SafeConv2d(c, c / 2, 3, 1, 1)));
    merge_->push_back(double_conv(c, c / 2));
    c /= 2;
  }
  out_ = register_module("outc", nn::Sequential(SafeConv2d(f, options.out_channels(), 1, 1, 0), nn::Sigmoid()));
  if (options.latent_dim() > 0) {
    // Made last, so the other layers draw the same initial weights as a plain
    // U-Net's. Zero at first: the untrained cVAE is the plain U-Net, and
    // learns how far to let z move it. The code scales and shifts the
    // channels of the bottleneck and of every decoder level (FiLM, Perez et
    // al. 2018), so it reaches the output at every scale past the skips, and
    // a scale of features varies over the image where a shift alone would
    // not: with one shift of the bottleneck the decoder learned to ignore z.
    // Concatenating z as extra channels instead made convolutions with odd
    // input channels, where libtorch 2.6's CPU kernel returned NaN input
    // gradients at random steps (safe_conv.h).
    code_ = register_module("code", nn::ModuleList());
    torch::NoGradGuard no_grad;
    for (int64_t i = 0; i <= options.depth(); ++i) {
      nn::Linear film(options.latent_dim(), 2 * (f << (options.depth() - i)));
      film->weight.zero_();
      film->bias.zero_();
      code_->push_back(film);
    }
  }
}

torch::Tensor UNetImpl::film(int64_t level, const torch::Tensor& h, const torch::Tensor& z) {
  if (options_.latent_dim() == 0) return h;
  auto ss = code_[level]->as<nn::Linear>()->forward(z.to(h.scalar_type())).view({h.size(0), 2 * h.size(1), 1, 1});
  auto scale_shift = ss.chunk(2, 1);
  return h * (1 + scale_shift[0]) + scale_shift[1];
}

torch::Tensor UNetImpl::forward(const torch::Tensor& x, const torch::Tensor& z) {
  std::vector<torch::Tensor> skips;
  auto h = in_->forward(x);
  for (int64_t i = 0; i < options_.depth(); ++i) {
    skips.push_back(h);
    h = step_[i]->as<nn::Sequential>()->forward(h);
    h = down_[i]->as<nn::Sequential>()->forward(h);
  }
  h = film(0, h, z);
  for (int64_t i = 0; i < options_.depth(); ++i) {
    h = up_[i]->as<nn::Sequential>()->forward(h);
    h = merge_[i]->as<nn::Sequential>()->forward(torch::cat({h, skips[skips.size() - 1 - i]}, 1));
    h = film(i + 1, h, z);
    // pix2pix's dropout on the decoder's inner levels, in training only, its
    // masks drawn from the run's own stream (so a resumed run is the same run).
    const double p = options_.dropout();
    if (is_training() && p > 0 && i + 1 < options_.depth()) {
      auto keep = gen_ ? at::bernoulli(torch::full_like(h, 1 - p), *gen_) : at::bernoulli(torch::full_like(h, 1 - p));
      h = h * keep / (1 - p);
    }
  }
  return out_->forward(h);
}

PatchDiscriminatorImpl::PatchDiscriminatorImpl(int64_t in_channels, int64_t out_channels, int64_t features) {
  const int64_t f = features;
  nn::Sequential seq;
  seq->push_back(SafeConv2d(in_channels + out_channels, f, 4, 2, 1));
  seq->push_back(leaky());
  seq->push_back(SafeConv2d(f, 2 * f, 4, 2, 1, false));
  seq->push_back(nn::BatchNorm2d(2 * f));
  seq->push_back(leaky());
  seq->push_back(SafeConv2d(2 * f, 1, 3, 1, 1));
  main = register_module("main", seq);
}

torch::Tensor PatchDiscriminatorImpl::forward(const torch::Tensor& input, const torch::Tensor& image) {
  return main->forward(torch::cat({input, image}, 1));
}

PairEncoderImpl::PairEncoderImpl(int64_t in_channels, int64_t out_channels, int64_t features, int64_t height,
                                 int64_t width, int64_t latent_dim)
    : latent_dim_(latent_dim) {
  const int64_t f = features;
  nn::Sequential seq;
  seq->push_back(SafeConv2d(in_channels + out_channels, f, 4, 2, 1));
  seq->push_back(leaky());
  seq->push_back(SafeConv2d(f, 2 * f, 4, 2, 1, false));
  seq->push_back(nn::BatchNorm2d(2 * f));
  seq->push_back(leaky());
  seq->push_back(nn::Flatten());
  seq->push_back(nn::Linear(2 * f * (height / 4) * (width / 4), 2 * latent_dim));
  main = register_module("main", seq);
}

std::pair<torch::Tensor, torch::Tensor> PairEncoderImpl::forward(const torch::Tensor& input,
                                                                 const torch::Tensor& target) {
  auto out = main->forward(torch::cat({input, target}, 1));
  return {out.narrow(1, 0, latent_dim_), out.narrow(1, latent_dim_, latent_dim_)};
}

}  // namespace gentorch
