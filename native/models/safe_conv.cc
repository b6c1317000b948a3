#include "safe_conv.h"

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
    return conv2d_im2col(input, weight, bias, 1, padding_);
  }
  return torch::nn::Conv2dImpl::forward(input);
}

}  // namespace gentorch
