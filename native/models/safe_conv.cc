#include "safe_conv.h"

#include <algorithm>
#include <iterator>
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

torch::Tensor conv2d_padded(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            torch::ExpandingArray<2> stride, torch::ExpandingArray<2> padding) {
  const int64_t out = weight.size(0);
  const int64_t extra = (out + 15) / 16 * 16 - out;
  if (extra == 0) return torch::conv2d(x, weight, bias, stride, padding);
  // Gradients reach weight and bias through the concatenation; the zero
  // filters' outputs are cut away before anything reads them.
  auto w = torch::cat({weight, weight.new_zeros({extra, weight.size(1), weight.size(2), weight.size(3)})});
  auto b = bias.defined() ? torch::cat({bias, bias.new_zeros({extra})}) : torch::Tensor();
  return torch::conv2d(x, w, b, stride, padding).narrow(1, 0, out);
}

bool covers_input(const torch::Tensor& x, const torch::Tensor& weight, int64_t padding) {
  return padding == 0 && x.dim() == 4 && x.size(2) == weight.size(2) && x.size(3) == weight.size(3);
}

torch::Tensor conv2d_matmul(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias) {
  if (!covers_input(x, weight, 0)) {
    throw std::invalid_argument("conv2d_matmul: the kernel must cover the whole (unpadded) input");
  }
  const int64_t n = x.size(0), out = weight.size(0);
  return torch::linear(x.reshape({n, -1}), weight.reshape({out, -1}), bias).view({n, out, 1, 1});
}

torch::Tensor SafeConv2dImpl::forward(const torch::Tensor& input) {
  if (input.device().is_cpu() && options.out_channels() % 16 != 0 && cpu_conv_grad_faulty()) {
    // A critic's last layer (its kernel covers the 4x4 map): one matrix
    // product, exact and cheap. Elsewhere (a generator's last 3x3 layer) the
    // filters padded to 16 output channels: native speed, where the im2col
    // product made a 28x28 DCGAN step 3.6x slower.
    if (covers_input(input, weight, padding_)) return conv2d_matmul(input, weight, bias);
    return conv2d_padded(input, weight, bias, stride_, padding_);
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

namespace {
// One float32 (or float64) pass of a path: output and the gradients of input,
// weight and bias (the last zero for the bias-free transposed convolution).
std::vector<torch::Tensor> run_path(const std::string& how, const torch::Tensor& x, torch::nn::Module& module,
                                    const ConvCheckShape& s, torch::ScalarType dtype) {
  auto params = module.named_parameters();
  auto xi = x.to(dtype).detach().requires_grad_(true);
  auto w = params["weight"].detach().to(dtype).requires_grad_(true);
  const bool has_bias = params.contains("bias");
  auto b = has_bias ? params["bias"].detach().to(dtype).requires_grad_(true) : torch::Tensor();
  const bool own = how == "module" || how == "transpose";
  torch::Tensor y;
  if (how == "im2col") {
    y = conv2d_im2col(xi, w, b, s.stride, s.padding);
  } else if (how == "padded") {
    y = conv2d_padded(xi, w, b, s.stride, s.padding);
  } else if (how == "matmul") {
    y = conv2d_matmul(xi, w, b);
  } else if (how == "module") {
    y = module.as<SafeConv2d>()->forward(xi);
  } else if (how == "transpose") {
    y = module.as<SafeConvTranspose2d>()->forward(xi);
  } else if (s.transposed) {
    y = torch::conv_transpose2d(xi, w);
  } else {
    y = torch::conv2d(xi, w, b, s.stride, s.padding);
  }
  auto go = torch::ones_like(y).mul_(torch::arange(y.numel(), y.options()).view(y.sizes()).remainder(7).sub(3));
  std::vector<torch::Tensor> wrt{xi, own ? params["weight"] : w};
  if (has_bias) wrt.push_back(own ? params["bias"] : b);
  module.zero_grad();
  auto grads = torch::autograd::grad({y}, wrt, {go});
  auto f64 = [](const torch::Tensor& t) { return t.detach().to(torch::kFloat64); };
  return {f64(y), f64(grads[0]), f64(grads[1]), has_bias ? f64(grads[2]) : torch::zeros({1}, torch::kFloat64)};
}
}  // namespace

ConvCheck conv_check(const std::string& path, const ConvCheckShape& s, uint64_t seed) {
  static const char* paths[] = {"im2col", "padded", "matmul", "module", "libtorch", "transpose"};
  if (std::find(std::begin(paths), std::end(paths), path) == std::end(paths)) {
    throw std::invalid_argument("conv_check: path must be im2col, padded, matmul, module, libtorch or transpose, got " +
                                path);
  }
  ConvCheckShape shape = s;
  shape.transposed = path == "transpose";
  torch::AutoGradMode grad(true);
  auto gen = at::make_generator<at::CPUGeneratorImpl>(seed);
  const auto f32 = torch::TensorOptions().dtype(torch::kFloat32);
  const int64_t size = shape.transposed ? 1 : shape.size;
  auto x = at::normal(0, 1, {4, shape.in_channels, size, size}, gen, f32);
  std::shared_ptr<torch::nn::Module> module;
  if (shape.transposed) {
    module = SafeConvTranspose2d(shape.in_channels, shape.out_channels, shape.kernel).ptr();
  } else {
    module = SafeConv2d(shape.in_channels, shape.out_channels, shape.kernel, shape.stride, shape.padding).ptr();
  }
  {
    torch::NoGradGuard no_grad;
    for (auto& p : module->parameters()) p.copy_(at::normal(0, 0.1, p.sizes(), gen, f32));
  }
  auto ref = run_path("libtorch", x, *module, shape, torch::kFloat64);
  auto got = run_path(path, x, *module, shape, torch::kFloat32);
  auto err = [&](size_t i) { return (got[i] - ref[i]).abs().max().item<double>(); };
  return ConvCheck{err(0), err(1), err(2), err(3)};
}

}  // namespace gentorch
