// What every model writes to a checkpoint and reads back, checked one way for
// all three (VAE, GAN, classifier), strictly as PyTorch's load_state_dict:
// a tensor the model does not know, a missing one, a wrong dtype or shape, or
// a NaN/Inf weight is E_CHECKPOINT naming the tensor, and nothing is copied
// until every tensor has passed (a failed load leaves the model as it was).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "hooks.h"

namespace gentorch {

// Detached, contiguous CPU copies of `list`, named prefix + name, appended to `out`.
void add_snapshot(NamedTensors& out, const NamedTensors& list, const std::string& prefix = "");

// What a model's checkpoint may hold.
struct StateSpec {
  NamedTensors targets;                         // the model's own tensors under their checkpoint names
  std::vector<std::string> optimizer_prefixes;  // Adam moments (floating point, finite): "optim." ...
  std::vector<std::string> rng_keys;            // random streams (uint8): "rng.cpu", "rng.noise"
};

// The side state of a checked checkpoint: optimizer moments and random streams.
struct LoadedState {
  std::map<std::string, torch::Tensor> by_name;  // every tensor that is not a target, by its full name
  // The tensors under `prefix`, with it stripped (an optimizer's state).
  NamedTensors with_prefix(const std::string& prefix) const;
};

// Checks every tensor against `spec`, then copies the targets in (no grad).
LoadedState load_checked(const NamedTensors& tensors, const StateSpec& spec);

}  // namespace gentorch
