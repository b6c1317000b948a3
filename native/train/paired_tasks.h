// Paired tasks made from any image dataset: the model's input computed from
// the target on the fly, on the device, with a seeded corruption, so no
// paired data is needed. Every call draws new damage from `gen`: each epoch
// a model sees other corruptions of the same targets.
//   superres   the target downscaled by `factor` (area: the mean of each
//              factor x factor block), at low resolution [B, C, H/f, W/f]
//   inpaint    random rectangles and free-form strokes removed (set to 0),
//              the mask given as one more channel: [B, C + 1, H, W], 1 = known
//   denoise    Gaussian noise of std `noise_std`, clipped to [0, 1]
//   edges      a fixed edge detector: the Sobel gradient magnitude of the
//              grey image, over its largest possible value, [B, 1, H, W]
//   colorize   grey (ITU-R BT.601 luma) from colour targets, [B, 1, H, W]
//   pairs      the user's own inputs, given beside the targets (no corruption)
#pragma once

#include <torch/torch.h>

#include <array>
#include <string>

namespace gentorch {

/// Mirrored by PairedTaskConfig in lib/config/translate.ts.
struct PairedTaskOptions {
  /// "superres", "inpaint", "denoise", "edges", "colorize" or "pairs".
  TORCH_ARG(std::string, task) = "superres";
  /// superres: the downscaling factor (2 or 4; must divide height and width).
  TORCH_ARG(int64_t, factor) = 2;
  /// denoise: the noise std, in [0, 1] units.
  TORCH_ARG(double, noise_std) = 0.3;
  /// inpaint: rectangles per image (drawn in [holes_min, holes_max]), their
  /// sides as shares of the image's (in [side_min, side_max]), and strokes
  /// per image (random walks of 6 steps, `stroke_width` pixels wide).
  TORCH_ARG(int64_t, holes_min) = 1;
  TORCH_ARG(int64_t, holes_max) = 2;
  TORCH_ARG(double, side_min) = 0.2;
  TORCH_ARG(double, side_max) = 0.4;
  TORCH_ARG(int64_t, strokes) = 1;
  TORCH_ARG(double, stroke_width) = 1.5;
};

// E_CONFIG naming the bad option; E_SHAPE when targets of channels x height x
// width cannot serve the task (a factor that does not divide the size, grey
// targets to colorize).
void check_task_options(const PairedTaskOptions& options, int64_t channels, int64_t height, int64_t width);

// Channels, height and width of the task's input for targets of that shape.
std::array<int64_t, 3> task_input_shape(const PairedTaskOptions& options, int64_t channels, int64_t height,
                                        int64_t width);

// The input of targets [B, C, H, W] in [0, 1] (floats on any device); new
// damage from `gen` (a generator of the targets' device). Not for "pairs".
torch::Tensor task_input(const PairedTaskOptions& options, const torch::Tensor& targets, at::Generator& gen);

// The inpainting masks alone [B, 1, H, W] (1 = known), as task_input draws them.
torch::Tensor inpaint_masks(const PairedTaskOptions& options, int64_t batch, int64_t height, int64_t width,
                            torch::Device device, at::Generator& gen);

// The input at the targets' size, as the U-Net takes it: a superres input
// upsampled (nearest) by the factor; every other input as it is.
torch::Tensor full_size(const PairedTaskOptions& options, const torch::Tensor& input);

// The task's classic baseline where it has one: bicubic upsampling of a
// superres input (clamped to [0, 1]); undefined otherwise.
torch::Tensor task_baseline(const PairedTaskOptions& options, const torch::Tensor& input);

}  // namespace gentorch
