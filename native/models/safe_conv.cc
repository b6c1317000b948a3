#include "safe_conv.h"

#include <stdexcept>

namespace gentorch {

torch::Tensor conv2d_im2col(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            torch::ExpandingArray<2> stride, torch::ExpandingArray<2> padding) {
  namespace F = torch::nn::functional;
  const int64_t n = x.size(0), oc = weight.size(0), kh = weight.size(2), kw = weight.size(3);
  const int64_t oh = (x.size(2) + 2 * (*padding)[0] - kh) / (*stride)[0] + 1;
  const int64_t ow = (x.size(3) + 2 * (*padding)[1] - kw) / (*stride)[1] + 1;
  auto cols = F::unfold(x, F::UnfoldFuncOptions({kh, kw}).padding(padding).stride(stride));  // [N, C*kh*kw, L]
  auto out = torch::matmul(weight.reshape({oc, -1}), cols).view({n, oc, oh, ow});
  return bias.defined() ? out + bias.view({1, oc, 1, 1}) : out;
}

namespace {
// 32 -> 1 channels, 3x3, stride 1, on 4 x 8 x 8: the smallest case seen wrong.
bool measure_fault() {
  torch::AutoGradMode grad(true);  // also when the first call comes from a no-grad forward (sampling)
  auto gen = at::make_generator<at::CPUGeneratorImpl>(12345);
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32);
  auto x = at::normal(0, 1, {4, 32, 8, 8}, gen, opts);
  auto w = at::normal(0, 0.1, {1, 32, 3, 3}, gen, opts);
  auto go = at::normal(0, 1, {4, 1, 8, 8}, gen, opts);
  auto xa = x.clone().requires_grad_(true);
  auto xb = x.clone().requires_grad_(true);
  auto ga = torch::autograd::grad({torch::conv2d(xa, w, {}, 1, 1)}, {xa}, {go})[0];
  auto gb = torch::autograd::grad({conv2d_im2col(xb, w, {}, 1, 1)}, {xb}, {go})[0];
  const double err = (ga - gb).abs().max().item<double>();
  return !(err <= 1e-3);  // NaN counts as faulty
}
}  // namespace

bool cpu_conv_grad_faulty() {
  static const bool faulty = measure_fault();  // a function-local static: measured once, thread-safe
  return faulty;
}

torch::Tensor SafeConv2dImpl::forward(const torch::Tensor& input) {
  if (input.device().is_cpu() && options.out_channels() % 16 != 0 && cpu_conv_grad_faulty()) {
    // The im2col product: exact by construction (no oneDNN convolution), but a
    // DCGAN step is about 3.6x slower for it. Padding the filters with zeros to
    // 16 output channels, which the kernel gets right in a scan of 240 shapes,
    // was fast, but the conditional 32x32 colour DCGAN then learnt its colours
    // worse on Debian 13 (6 of 12 greens, against 9+ with this product).
    return conv2d_im2col(input, weight, bias, stride_, padding_);
  }
  return torch::nn::Conv2dImpl::forward(input);
}

torch::Tensor SafeConvTranspose2dImpl::forward(const torch::Tensor& input) {
  if (input.device().is_cpu() && input.dim() == 4 && input.size(2) == 1 && input.size(3) == 1 &&
      cpu_conv_grad_faulty()) {
    const int64_t n = input.size(0), out = weight.size(1), kh = weight.size(2), kw = weight.size(3);
    return torch::mm(input.reshape({n, input.size(1)}), weight.reshape({weight.size(0), -1})).view({n, out, kh, kw});
  }
  return torch::nn::ConvTranspose2dImpl::forward(input);
}

ConvCheck conv_check(const std::string& path, int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                     int64_t padding, uint64_t seed) {
  if (path != "im2col" && path != "module" && path != "libtorch") {
    throw std::invalid_argument("conv_check: path must be im2col, module or libtorch, got " + path);
  }
  torch::AutoGradMode grad(true);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  auto x = at::normal(0, 1, {4, in_channels, 12, 12}, gen, f32);
  SafeConv2d module(in_channels, out_channels, kernel, stride, padding);
  {
    torch::NoGradGuard no_grad;
    module->weight.copy_(at::normal(0, 0.1, module->weight.sizes(), gen, f32));
    module->bias.copy_(at::normal(0, 0.1, module->bias.sizes(), gen, f32));
  }
  auto run = [&](torch::ScalarType dtype, const std::string& how) {
    auto xi = x.to(dtype).detach().requires_grad_(true);
    auto w = module->weight.detach().to(dtype).requires_grad_(true);
    auto b = module->bias.detach().to(dtype).requires_grad_(true);
    torch::Tensor y;
    if (how == "im2col") {  // the product alone
      y = conv2d_im2col(xi, w, b, stride, padding);
    } else if (how == "module") {
      module->zero_grad();
      y = module->forward(xi);
    } else {
      y = torch::conv2d(xi, w, b, stride, padding);
    }
    auto go = torch::ones_like(y).mul_(torch::arange(y.numel(), y.options()).view(y.sizes()).remainder(7).sub(3));
    const bool own = how == "module";
    auto grads = torch::autograd::grad(
        {y}, own ? std::vector<torch::Tensor>{xi, module->weight, module->bias} : std::vector<torch::Tensor>{xi, w, b},
        {go});
    return std::vector<torch::Tensor>{y.detach().to(torch::kFloat64), grads[0].to(torch::kFloat64),
                                      grads[1].to(torch::kFloat64), grads[2].to(torch::kFloat64)};
  };
  auto ref = run(torch::kFloat64, "libtorch");
  auto got = run(torch::kFloat32, path);
  auto err = [&](size_t i) { return (got[i] - ref[i]).abs().max().item<double>(); };
  return ConvCheck{err(0), err(1), err(2), err(3)};
}

}  // namespace gentorch
