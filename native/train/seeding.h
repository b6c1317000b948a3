// Deterministic random streams. Training draws data order and noise from one
// stream continued from libtorch's CPU generator after weight initialisation
// (seeded_init), saved in checkpoints for exact resume; evaluation, sampling
// and a GPU's noise use side streams derived from (run seed, stream number).
#pragma once

#include <torch/torch.h>
#include <ATen/CPUGeneratorImpl.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace gentorch {

inline uint64_t mix_seed(uint64_t seed, uint64_t stream, uint64_t index) {
  // splitmix64 over the combined words
  uint64_t z = seed + 0x9E3779B97F4A7C15ull * (stream + 1) + 0xBF58476D1CE4E5B9ull * (index + 1);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return (z ^ (z >> 31)) & 0x7FFFFFFFFFFFFFFFull;
}

// Stream numbers are part of the seeds: never renumber them.
enum SeedStream : uint64_t { kNoiseStream = 3, kEvalStream = 4, kSampleStream = 5, kSearchStream = 6 };

// A private generator for `device`, so concurrent models never share RNG state.
// CPU generators are made, never cloned: libtorch 1.13's GeneratorImpl::clone()
// leaves the weak count at zero, so every clone's memory (2.6 KB) is never
// freed (valgrind: npm run memcheck); later versions fixed it.
inline at::Generator make_generator(torch::Device device, uint64_t seed) {
  if (device.is_cpu()) return at::make_generator<at::CPUGeneratorImpl>(seed);
  auto gen = at::globalContext().defaultGenerator(device).clone();
  gen.set_current_seed(seed);
  return gen;
}

// Seeds libtorch's CPU generator with `seed`, runs `init` (which builds the
// networks, drawing their weights from it), and returns a private copy of
// the generator as it stands after: the run's stream continues exactly where
// a PyTorch script's would after torch.manual_seed(seed) and the same
// module constructions. Serialised, so concurrent models each get their seed.
at::Generator seeded_init(uint64_t seed, const std::function<void()>& init);

// As torch.utils.data.DataLoader(shuffle=True) at the start of an epoch:
// one draw for the iterator's base seed, one for the sampler's seed.
int64_t draw_permutation_seed(at::Generator& rng);
torch::Tensor permutation(int64_t n, int64_t perm_seed, torch::Device device);

// Restores a generator state saved under `key`; a state of the wrong size
// (another libtorch's, another device's) is E_CHECKPOINT, not a crash.
void restore_rng(const std::map<std::string, torch::Tensor>& by_name, const std::string& key, at::Generator& gen);

}  // namespace gentorch
