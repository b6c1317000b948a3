#include "parallel.h"

namespace gentorch {

void ParallelFit::sync_start(const std::vector<torch::nn::Module*>& modules, std::vector<Adam*> optimizers,
                             TrainingState& state, at::Generator& rng, at::Generator* noise) const {
  if (!dp_) return;
  torch::NoGradGuard no_grad;
  std::vector<torch::Tensor> all;
  for (auto* m : modules) {
    if (m == nullptr) continue;
    for (auto& p : m->parameters()) all.push_back(p);
    for (auto& b : m->buffers()) all.push_back(b);
  }
  std::vector<at::Generator*> generators{&rng};
  if (noise != nullptr) generators.push_back(noise);
  for (Adam* a : optimizers) {
    for (auto& [name, t] : a->state()) all.push_back(t);
  }
  std::vector<torch::Tensor> rng_states;
  for (at::Generator* g : generators) rng_states.push_back(g->get_state());
  all.insert(all.end(), rng_states.begin(), rng_states.end());
  std::vector<int64_t> counters{state.step, state.epoch, state.epoch_step, state.perm_seed};
  for (Adam* a : optimizers) counters.push_back(a->steps());
  auto packed = torch::tensor(counters, torch::kInt64);
  all.push_back(packed);
  dp_->broadcast(all);
  for (size_t i = 0; i < generators.size(); ++i) {
    std::lock_guard<std::mutex> lock(generators[i]->mutex());
    generators[i]->set_state(rng_states[i]);
  }
  const auto* c = packed.data_ptr<int64_t>();
  state.step = c[0];
  state.epoch = c[1];
  state.epoch_step = c[2];
  state.perm_seed = c[3];
  for (size_t i = 0; i < optimizers.size(); ++i) optimizers[i]->set_steps(c[4 + i]);
}

void ParallelFit::reduce_gradients(const std::vector<torch::Tensor>& params, double scale) const {
  if (dp_) dp_->reduce_gradients(params, scale);
}

std::pair<torch::Tensor, torch::Tensor> ParallelFit::reduce_rows(const torch::Tensor& index,
                                                                 const torch::Tensor& grad_rows) const {
  if (!dp_) return {index, grad_rows};
  torch::NoGradGuard no_grad;
  // Only sums travel: first every rank's row count, then each rank's rows
  // (plus one, 0 meaning none) in a slot of its own, then the gradients
  // placed in the union.
  auto ids = torch::TensorOptions().dtype(torch::kInt64).device(index.device());
  auto counts = torch::zeros({world()}, ids);
  counts[rank()] = index.size(0);
  std::vector<torch::Tensor> one{counts};
  dp_->all_reduce_sum(one);
  const int64_t widest = counts.max().item<int64_t>();
  auto slots = torch::zeros({world(), widest}, ids);
  slots[rank()].slice(0, 0, index.size(0)).copy_(index.to(torch::kInt64) + 1);
  one = {slots};
  dp_->all_reduce_sum(one);
  auto all = slots.masked_select(slots > 0) - 1;
  auto rows = std::get<0>(at::_unique2(all, /*sorted=*/true));
  auto summed = torch::zeros({rows.size(0), grad_rows.size(1)}, grad_rows.options());
  summed.index_add_(0, torch::searchsorted(rows, index.to(torch::kInt64)), grad_rows);
  one = {summed};
  dp_->all_reduce_sum(one);
  return {rows, summed};
}

void ParallelFit::reduce(LossMeter& meter, bool epoch) const {
  if (!dp_) return;
  auto sums = meter.sums(epoch);
  dp_->all_reduce_sum(sums);
  meter.set_sums(epoch, sums);
}

}  // namespace gentorch
