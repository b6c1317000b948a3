#include "paired_tasks.h"

#include <array>
#include <cmath>

#include "../core/error.h"

namespace gentorch {

namespace F = torch::nn::functional;

namespace {

bool known_task(const std::string& t) {
  return t == "superres" || t == "inpaint" || t == "denoise" || t == "edges" || t == "colorize" || t == "pairs";
}

// Grey [B, 1, H, W]: BT.601 luma of RGB, the one channel of grey, the mean otherwise.
torch::Tensor grey(const torch::Tensor& y) {
  if (y.size(1) == 1) return y;
  if (y.size(1) == 3) {
    auto w = torch::tensor({0.299, 0.587, 0.114}, y.options()).view({1, 3, 1, 1});
    return (y * w).sum(1, true);
  }
  return y.mean(1, true);
}

// Sobel gradient magnitude of grey [B, 1, H, W] (edges replicated), over its
// largest possible value 4 sqrt(2), so in [0, 1].
torch::Tensor sobel(const torch::Tensor& g) {
  auto kx = torch::tensor({-1.0, 0.0, 1.0, -2.0, 0.0, 2.0, -1.0, 0.0, 1.0}, g.options()).view({1, 1, 3, 3});
  auto ky = kx.transpose(2, 3).contiguous();
  auto padded = F::pad(g, F::PadFuncOptions({1, 1, 1, 1}).mode(torch::kReplicate));
  auto gx = torch::conv2d(padded, kx);
  auto gy = torch::conv2d(padded, ky);
  return ((gx * gx + gy * gy).sqrt() / (4.0 * std::sqrt(2.0))).clamp(0.0, 1.0);
}

}  // namespace

void check_task_options(const PairedTaskOptions& o, int64_t channels, int64_t height, int64_t width) {
  if (!known_task(o.task()))
    fail("E_CONFIG", "Expected task superres, inpaint, denoise, edges, colorize or pairs but received \"", o.task(),
         "\"");
  if (o.factor() < 2) fail("E_CONFIG", "Expected factor of at least 2 but received ", o.factor());
  if (!(o.noise_std() > 0 && o.noise_std() <= 1))
    fail("E_CONFIG", "Expected noiseStd in (0, 1] but received ", o.noise_std());
  if (o.holes_min() < 0 || o.holes_max() < o.holes_min())
    fail("E_CONFIG", "Expected holes [min, max] with 0 <= min <= max but received [", o.holes_min(), ", ",
         o.holes_max(), "]");
  if (!(o.side_min() > 0 && o.side_min() <= o.side_max() && o.side_max() <= 1))
    fail("E_CONFIG", "Expected side [min, max] within (0, 1] but received [", o.side_min(), ", ", o.side_max(), "]");
  if (o.strokes() < 0) fail("E_CONFIG", "Expected non-negative integer for strokes but received ", o.strokes());
  if (!(o.stroke_width() > 0)) fail("E_CONFIG", "Expected positive strokeWidth but received ", o.stroke_width());
  if (o.task() == "inpaint" && o.holes_max() == 0 && o.strokes() == 0)
    fail("E_CONFIG", "Expected holes or strokes to inpaint but received none of either");
  if (o.task() == "superres" && (height % o.factor() != 0 || width % o.factor() != 0))
    fail("E_SHAPE", "Expected a factor that divides the image size ", height, "x", width, " but received factor ",
         o.factor());
  if (o.task() == "colorize" && channels != 3)
    fail("E_SHAPE", "Expected colour (3-channel) targets to colorize but received ", channels, " channel(s)");
}

std::array<int64_t, 3> task_input_shape(const PairedTaskOptions& o, int64_t channels, int64_t height, int64_t width) {
  if (o.task() == "superres") return {channels, height / o.factor(), width / o.factor()};
  if (o.task() == "inpaint") return {channels + 1, height, width};
  if (o.task() == "edges" || o.task() == "colorize") return {1, height, width};
  return {channels, height, width};
}

torch::Tensor inpaint_masks(const PairedTaskOptions& o, int64_t batch, int64_t height, int64_t width,
                            torch::Device device, at::Generator& gen) {
  const auto opts = torch::TensorOptions().dtype(torch::kFloat32).device(device);
  auto hole = torch::zeros({batch, 1, height, width}, opts.dtype(torch::kBool));
  auto ys = torch::arange(height, opts).view({1, 1, height, 1});
  auto xs = torch::arange(width, opts).view({1, 1, 1, width});
  const int64_t k = o.holes_max();
  if (k > 0) {
    // Rectangle j of image i counts when j < its count, drawn in [holes_min, holes_max].
    auto count = torch::randint(o.holes_min(), o.holes_max() + 1, {batch, 1}, gen, opts);
    auto active = torch::arange(k, opts).view({1, k}) < count;  // [B, K]
    auto u = torch::rand({batch, k, 4}, gen, opts);
    auto span = o.side_max() - o.side_min();
    auto rh = (height * (o.side_min() + span * u.select(2, 0))).round().clamp_min(1);
    auto rw = (width * (o.side_min() + span * u.select(2, 1))).round().clamp_min(1);
    auto y0 = (u.select(2, 2) * (height - rh + 1)).floor();
    auto x0 = (u.select(2, 3) * (width - rw + 1)).floor();
    auto v = [](const torch::Tensor& t) { return t.unsqueeze(-1).unsqueeze(-1); };  // [B, K, 1, 1]
    auto inside = (ys >= v(y0)) & (ys < v(y0 + rh)) & (xs >= v(x0)) & (xs < v(x0 + rw)) & v(active);
    hole = hole | inside.any(1, true);
  }
  if (o.strokes() > 0) {
    // Each stroke: a random walk of 6 steps of 10% to 25% of the side, its
    // heading turning by up to 45 degrees a step, drawn as discs of the
    // stroke's half width at 4 points per step.
    constexpr int64_t kSteps = 6, kPer = 4;
    const double side = static_cast<double>(std::min(height, width));
    const int64_t s = o.strokes();
    auto start =
        torch::rand({batch, s, 1, 2}, gen, opts) * torch::tensor({double(height - 1), double(width - 1)}, opts);
    auto turn = (torch::rand({batch, s, kSteps}, gen, opts) - 0.5) * (M_PI / 2);
    auto heading = torch::rand({batch, s, 1}, gen, opts) * (2 * M_PI) + turn.cumsum(2);
    auto length = (0.10 + 0.15 * torch::rand({batch, s, kSteps}, gen, opts)) * side;
    auto step = torch::stack({heading.sin() * length, heading.cos() * length}, 3);  // [B, S, steps, 2]
    auto frac = torch::arange(1, kPer + 1, opts).div(double(kPer)).view({1, 1, 1, kPer, 1});
    auto before = torch::cat({torch::zeros({batch, s, 1, 2}, opts), step.cumsum(2).narrow(2, 0, kSteps - 1)}, 2);
    auto points = (start.unsqueeze(3) + before.unsqueeze(3) + frac * step.unsqueeze(3)).reshape({batch, -1, 2});
    points = torch::cat({start.reshape({batch, s, 2}), points}, 1);
    auto py = points.select(2, 0).unsqueeze(-1).unsqueeze(-1);  // [B, P, 1, 1]
    auto px = points.select(2, 1).unsqueeze(-1).unsqueeze(-1);
    auto d2 = (ys - py).pow(2) + (xs - px).pow(2);  // [B, P, H, W]
    const double r = o.stroke_width() / 2 + 0.5;
    hole = hole | (d2 <= r * r).any(1, true);
  }
  return (~hole).to(torch::kFloat32);
}

torch::Tensor task_input(const PairedTaskOptions& o, const torch::Tensor& y, at::Generator& gen) {
  const auto& t = o.task();
  if (t == "superres") return torch::avg_pool2d(y, {o.factor(), o.factor()}, {o.factor(), o.factor()});
  if (t == "denoise") return (y + o.noise_std() * torch::randn(y.sizes(), gen, y.options())).clamp(0.0, 1.0);
  if (t == "inpaint") {
    auto mask = inpaint_masks(o, y.size(0), y.size(2), y.size(3), y.device(), gen).to(y.scalar_type());
    return torch::cat({y * mask, mask}, 1);
  }
  if (t == "edges") return sobel(grey(y));
  if (t == "colorize") return grey(y);
  fail("E_CONFIG", "Task \"", t, "\" takes the user's own inputs, not ones made from the targets");
}

torch::Tensor full_size(const PairedTaskOptions& o, const torch::Tensor& input) {
  if (o.task() != "superres") return input;
  auto size = std::vector<int64_t>{input.size(2) * o.factor(), input.size(3) * o.factor()};
  return F::interpolate(input, F::InterpolateFuncOptions().size(size).mode(torch::kNearest));
}

torch::Tensor task_baseline(const PairedTaskOptions& o, const torch::Tensor& input) {
  if (o.task() != "superres") return {};
  auto size = std::vector<int64_t>{input.size(2) * o.factor(), input.size(3) * o.factor()};
  return F::interpolate(input, F::InterpolateFuncOptions().size(size).mode(torch::kBicubic).align_corners(false))
      .clamp(0.0, 1.0);
}

}  // namespace gentorch
