// A Conv2d that stays correct where libtorch's oneDNN is not. Debian 13's
// libtorch 2.6 (oneDNN 3.7) returns a wrong input gradient for convolutions
// whose output channels are not a multiple of 16: every stride-1 one tried
// (in 1..64 -> out 1, 3, 8 channels, 3x3 and 4x4), and stride 2 with one input
// channel; errors of 0.5 to NaN against float64, in torch 2.6's own Python
// too, on an AVX-512 EPYC; and the output of a ConvTranspose2d on a 1x1 map.
// A GAN meets it in G's first and last layers and in D's last (G learns
// through D's input gradients). Whether this process's libtorch has the fault
// is measured once, at run time, on a small problem against an explicit im2col
// product; where it does, such layers run as products the kernel gets right,
// on the CPU, with the same parameters under the same names (checkpoints do
// not change).
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

// The same convolution with its filters padded with zeros to a multiple of 16
// output channels, where libtorch 2.6's kernel is right (912 shapes against
// float64, none wrong), then cut back to the real channels: native speed.
torch::Tensor conv2d_padded(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                            torch::ExpandingArray<2> stride, torch::ExpandingArray<2> padding);

// A convolution whose kernel covers the whole unpadded input (a critic's last
// layer): one output pixel, exactly a matrix product. Throws otherwise.
torch::Tensor conv2d_matmul(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias);

// Largest absolute differences of a float32 convolution path against
// libtorch's float64 convolution (which no oneDNN kernel serves) on random
// data: the output and the gradients of input, weight and bias. For the tests.
struct ConvCheck {
  double forward, grad_input, grad_weight, grad_bias;
};
struct ConvCheckShape {
  int64_t in_channels, out_channels, kernel, stride, padding;
  int64_t size = 12;        // input height and width (1 for "transpose")
  bool transposed = false;  // set by conv_check for the "transpose" path
};
// path "im2col", "padded", "matmul": those products alone; "module": a
// SafeConv2d as the GAN uses it; "libtorch": torch::conv2d in float32 (on a
// faulty build, this is where the wrong gradient shows); "transpose": a
// SafeConvTranspose2d (no bias) on a 1x1 input against conv_transpose2d.
ConvCheck conv_check(const std::string& path, const ConvCheckShape& shape, uint64_t seed);

// A k x k, zero-padded torch::nn::Conv2d (same parameters, same names) that
// takes conv2d_matmul (kernel covers the input) or conv2d_padded where
// cpu_conv_grad_faulty() and the output channels are not a multiple of 16. A
// GAN needs D's input gradients (G learns through them), and G's, so both
// networks use it.
struct SafeConv2dImpl : torch::nn::Conv2dImpl {
  SafeConv2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel, int64_t stride, int64_t padding,
                 bool bias = true)
      : torch::nn::Conv2dImpl(
            torch::nn::Conv2dOptions(in_channels, out_channels, kernel).stride(stride).padding(padding).bias(bias)),
        stride_(stride),
        padding_(padding) {}
  torch::Tensor forward(const torch::Tensor& input);

 private:
  // Plain copies of options.stride() and options.padding(): the latter is a
  // variant whose accessor differs between libtorch 1.13 and 2.x.
  int64_t stride_, padding_;
};
TORCH_MODULE(SafeConv2d);

// The 32/64-pixel DCGAN generator's first layer: a k x k ConvTranspose2d
// (stride 1, no padding) of z as a 1x1 map. Debian 13's libtorch 2.6 gets its
// output wrong (0.7 to NaN against float64 for 100..110 -> 64..256 channels);
// on a 1x1 input it is exactly a matrix product, which this takes where
// cpu_conv_grad_faulty() (the same library fault, measured once).
struct SafeConvTranspose2dImpl : torch::nn::ConvTranspose2dImpl {
  SafeConvTranspose2dImpl(int64_t in_channels, int64_t out_channels, int64_t kernel)
      : torch::nn::ConvTranspose2dImpl(
            torch::nn::ConvTranspose2dOptions(in_channels, out_channels, kernel).bias(false)) {}
  torch::Tensor forward(const torch::Tensor& input);
};
TORCH_MODULE(SafeConvTranspose2d);

}  // namespace gentorch
