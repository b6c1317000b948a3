// A GAN's checkpoint tensors: both networks (and G's EMA), and with the
// optimizer both Adams' moments and the random streams, for exact resume.
#include "checkpoint_state.h"
#include "gan_trainer.h"
#include "seeding.h"

namespace gentorch {

NamedTensors GanModel::export_state(bool optimizer) {
  NamedTensors out;
  add_snapshot(out, named(*g_, "generator."));
  add_snapshot(out, named(*d_, "discriminator."));
  if (g_ema_) add_snapshot(out, named(*g_ema_, "generator_ema."));
  if (optimizer) {
    add_snapshot(out, opt_g_->state(), "optim_g.");
    add_snapshot(out, opt_d_->state(), "optim_d.");
    out.emplace_back("rng.cpu", rng_.get_state());
    if (!device_.is_cpu()) out.emplace_back("rng.noise", noise_.get_state().cpu());
  }
  return out;
}

void GanModel::import_state(const NamedTensors& tensors, const TrainingState& state) {
  StateSpec spec{named(*g_, "generator."), {"optim_g.", "optim_d."}, {"rng.cpu", "rng.noise"}};
  for (auto& t : named(*d_, "discriminator.")) spec.targets.push_back(t);
  if (g_ema_)
    for (auto& t : named(*g_ema_, "generator_ema.")) spec.targets.push_back(t);
  const LoadedState side = load_checked(tensors, spec);
  const NamedTensors og = side.with_prefix("optim_g."), od = side.with_prefix("optim_d.");
  if (!og.empty()) opt_g_->load_state(og, state.step);
  if (!od.empty()) opt_d_->load_state(od, state.step * config_.n_critic);
  restore_rng(side.by_name, "rng.cpu", rng_);
  if (!device_.is_cpu()) restore_rng(side.by_name, "rng.noise", noise_);
  state_ = state;
}

}  // namespace gentorch
