// A Conv2d that stays correct where libtorch's oneDNN is not. Debian 13's
// libtorch 2.6 (oneDNN 3.7) returns a wrong input gradient for a stride-1
// convolution whose output channels are not a multiple of 16 (measured: 32 -> 1,
// 3, 8 channels, 3x3, on an AVX-512 EPYC; errors of 0.4 to NaN against the
// reference, in torch 2.6's own Python too), which is exactly the last layer of
// an image generator. Whether this process's libtorch has the fault is measured
// once, at run time, on a small problem against an explicit im2col product;
// where it does, such convolutions run as that product on the CPU, with the
// same parameters under the same names (checkpoints do not change).
#pragma once

#include <torch/torch.h>

#include <string>

namespace gentorch {

// Whether CPU convolutions of this libtorch give wrong input gradients for a
// small number of output channels (measured once per process).
bool cpu_conv_grad_faulty();

// The same product as torch::conv2d (groups 1, dilation 1), as one matrix
// product over the unfolded input: slower, but exact in the backward pass.
torch::Tensor conv2d_im2col(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            torch::ExpandingArray<2> stride, torch::ExpandingArray<2> padding);

// Largest absolute differences of a float32 convolution path against
// libtorch's float64 conv2d (which no oneDNN kernel serves) on random data:
// the output and the gradients of input, weight and bias. For the tests.
struct ConvCheck {
  double forward, grad_input, grad_weight, grad_bias;
};
// path "im2col": conv2d_im2col; "module": a SafeConv2d (stride 1 only) as the
// generator uses it; "libtorch": torch::conv2d in float32 (on a faulty build,
// this is where the wrong gradient shows).
ConvCheck conv_check(const std::string& path, int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride,
                     int64_t padding, uint64_t seed);

// A k x k, stride-1, zero-padded torch::nn::Conv2d (same parameters, same
// names) whose forward takes the im2col product where cpu_conv_grad_faulty()
// and the output channels are not a multiple of 16.
struct SafeConv2dImpl : torch::nn::Conv2dImpl {
  SafeConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t padding)
      : torch::nn::Conv2dImpl(torch::nn::Conv2dOptions(in_channels, out_channels, kernel).padding(padding)),
        padding_(padding) {}
  torch::Tensor forward(const torch::Tensor& input);

 private:
  // A plain copy of options.padding(): that is a variant whose accessor differs between libtorch 1.13 and 2.x.
  int64_t padding_;
};
TORCH_MODULE(SafeConv2d);

}  // namespace gentorch
