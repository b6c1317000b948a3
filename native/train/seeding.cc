#include "seeding.h"

#include "../core/error.h"

namespace gentorch {

namespace {
std::mutex init_mutex;
}  // namespace

at::Generator seeded_init(uint64_t seed, const std::function<void()>& init) {
  std::lock_guard<std::mutex> lock(init_mutex);
  // Not holding the generator's own mutex: the init kernels take it themselves.
  torch::manual_seed(seed);
  init();
  // A fresh generator given the default one's state (not clone(): see make_generator).
  auto gen = at::make_generator<at::CPUGeneratorImpl>();
  at::Generator global = at::globalContext().defaultGenerator(torch::kCPU);  // shares the default impl
  std::lock_guard<std::mutex> state_lock(global.mutex());
  gen.set_state(global.get_state());
  return gen;
}

int64_t draw_permutation_seed(at::Generator& rng) {
  at::empty({}, torch::kInt64).random_(rng);
  return at::empty({}, torch::kInt64).random_(rng).item<int64_t>();
}

torch::Tensor permutation(int64_t n, int64_t perm_seed, torch::Device device) {
  auto gen = make_generator(torch::kCPU, static_cast<uint64_t>(perm_seed));
  return torch::randperm(n, gen, torch::TensorOptions().dtype(torch::kInt64)).to(device);
}

void restore_rng(const std::map<std::string, torch::Tensor>& by_name, const std::string& key, at::Generator& gen) {
  auto it = by_name.find(key);
  if (it == by_name.end()) return;  // weights-only checkpoint: keep the fresh stream
  auto current = gen.get_state();
  if (it->second.scalar_type() != torch::kUInt8 || it->second.numel() != current.numel()) {
    fail("E_CHECKPOINT", "random state ", key, " has ", it->second.numel(), " bytes but this libtorch needs ",
         current.numel());
  }
  std::lock_guard<std::mutex> lock(gen.mutex());
  gen.set_state(it->second.contiguous());
}

}  // namespace gentorch
