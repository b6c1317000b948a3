#include "fit_loop.h"

#include <algorithm>

#include "../core/device.h"
#include "../core/error.h"
#include "seeding.h"

namespace gentorch {

BatchOrder::BatchOrder(int64_t n_total, int64_t batch_size, const ParallelFit& parallel, torch::Device device)
    : parallel_(parallel),
      total_(n_total),
      n_(parallel.local_count(n_total)),
      batch_size_(batch_size),
      per_epoch_((parallel.local_count(n_total) + batch_size - 1) / batch_size),
      device_(device) {}

torch::Tensor BatchOrder::next(TrainingState& state, at::Generator& rng, bool* epoch_done) {
  if (state.epoch_step >= per_epoch_) state.epoch_step = 0;  // a checkpoint from other data or batch size
  if (state.epoch_step == 0) {
    state.perm_seed = draw_permutation_seed(rng);
    perm_ = epoch_order(state.perm_seed);
  } else if (!perm_.defined()) {
    perm_ = epoch_order(state.perm_seed);  // resumed mid-epoch
  }
  auto idx = perm_.slice(0, state.epoch_step * batch_size_, std::min(n_, (state.epoch_step + 1) * batch_size_));
  if (!widths_.empty()) width_ = widths_[state.epoch_step];
  if (++state.epoch_step == per_epoch_) {
    state.epoch += 1;
    state.epoch_step = 0;
    *epoch_done = true;
  }
  return idx;
}

torch::Tensor BatchOrder::epoch_order(int64_t perm_seed) {
  if (!lengths_.defined()) return parallel_.shard(permutation(total_, perm_seed, device_));
  auto rows = permutation(total_, perm_seed, device_).cpu();
  auto gen = make_generator(torch::kCPU, static_cast<uint64_t>(perm_seed) ^ 0x5bd1e995u);
  const int64_t global = batch_size_ * parallel_.world(), window = global * kBucketBatches;
  std::vector<torch::Tensor> batches;
  for (int64_t a = 0; a < total_; a += window) {
    auto w = rows.slice(0, a, std::min(total_, a + window));
    auto order = std::get<1>(lengths_.index_select(0, w).sort(/*stable=*/true, /*dim=*/0, /*descending=*/false));
    auto sorted = w.index_select(0, order);
    for (int64_t b = 0; b < sorted.size(0); b += global)
      batches.push_back(sorted.slice(0, b, std::min(sorted.size(0), b + global)));
  }
  // The epoch's last batch may be short: it stays last, so every other batch is full.
  const int64_t shuffled = batches.back().size(0) == global ? batches.size() : batches.size() - 1;
  auto pick = torch::randperm(shuffled, gen, torch::kInt64);
  std::vector<torch::Tensor> out;
  out.reserve(batches.size());
  widths_.clear();
  auto take = [&](const torch::Tensor& batch) {
    widths_.push_back(lengths_.index_select(0, batch).max().item<int64_t>());
    out.push_back(parallel_.shard(batch));  // a short last batch padded with its first rows, as shard_of pads
  };
  for (int64_t i = 0; i < shuffled; ++i) take(batches[pick[i].item<int64_t>()]);
  if (shuffled < static_cast<int64_t>(batches.size())) take(batches.back());
  return torch::cat(out).to(device_);
}

FitLoop::FitLoop(const FitPlan& plan, const FitHooks& hooks, torch::Device device, bool convolutional)
    : plan_(plan),
      hooks_(hooks),
      device_(device),
      convolutional_(convolutional),
      precision_(resolve_precision(plan.precision, device, convolutional)),
      guard_(plan.on_nan),
      parallel_(hooks.parallel) {
  if (plan.steps < 0 || (plan.steps == 0 && plan.epochs < 1)) {
    fail("E_CONFIG", "Expected positive integer for epochs or steps but received epochs ", plan.epochs, ", steps ",
         plan.steps);
  }
  if (plan.batch_size < 1)  // the loop's bounds; the rules on values are lib/config's
    fail("E_CONFIG", "Expected positive integer for batchSize but received ", plan.batch_size);
  plan_.progress_every = std::max<int64_t>(1, plan.progress_every);  // a modulus
  use_fit_threads(device, convolutional);
  enable_cudnn_autotuning(device);
}

void FitLoop::start(const std::vector<torch::nn::Module*>& modules, std::vector<Adam*> optimizers, TrainingState& state,
                    at::Generator& rng, at::Generator* noise, std::vector<std::string> loss_names, bool graphable) {
  parallel_.sync_start(modules, std::move(optimizers), state, rng, noise);
  target_step_ = plan_.steps > 0 ? (plan_.totals ? 0 : state.step) + plan_.steps : -1;
  target_epoch_ = (plan_.totals ? 0 : state.epoch) + plan_.epochs;
  meter_ = std::make_unique<LossMeter>(std::move(loss_names), device_);
  graph_ = std::make_unique<StepGraph>(
      device_, resolve_cuda_graphs(plan_.cuda_graphs, device_, graphable, guard_.skipping(), parallel_.active()));
  start_ = Clock::now();
}

void FitLoop::check_cancelled(int64_t step) const {
  if (hooks_.cancelled && hooks_.cancelled()) fail("E_ABORTED", "The fit was aborted at step ", step);
}

bool FitLoop::stop_requested(const TrainingState& s) const {
  const bool stop = hooks_.gate && hooks_.gate(s.step);
  check_cancelled(s.step);
  return stop;
}

void FitLoop::progress(const TrainingState& s, bool forced, int64_t epoch, int64_t epoch_step, int64_t steps_per_epoch,
                       double images_per_unit) {
  if (s.step % plan_.progress_every != 0 && !forced) return;
  meter_->check_finite();
  parallel_.reduce(*meter_, false);
  ProgressEvent ev;
  ev.step = s.step;
  ev.epoch = epoch;
  ev.epoch_step = epoch_step;
  ev.steps_per_epoch = steps_per_epoch;
  double units_per_second = 0;
  ev.losses = meter_->take_window(&units_per_second);
  ev.images_per_second = units_per_second * images_per_unit;
  ev.elapsed_seconds = std::chrono::duration<double>(Clock::now() - start_).count();
  ev.skipped_steps = guard_.skipped();
  ev.cuda_graphs = graph_->enabled();
  if (hooks_.on_progress) hooks_.on_progress(ev);
}

void FitLoop::maybe_checkpoint(int64_t step, const std::function<void()>& check_weights) {
  if (plan_.checkpoint_every <= 0 || step % plan_.checkpoint_every != 0 || !hooks_.on_checkpoint) return;
  meter_->check_finite();
  check_weights();
  hooks_.on_checkpoint(step);
}

void FitLoop::epoch_event(const TrainingState& s, std::map<std::string, double> val_losses) {
  EpochEvent ev;
  ev.val_losses = std::move(val_losses);
  ev.epoch = s.epoch;
  ev.step = s.step;
  parallel_.reduce(*meter_, true);
  ev.losses = meter_->epoch_means(&ev.seconds);
  if (hooks_.on_epoch) hooks_.on_epoch(ev);
}

}  // namespace gentorch
