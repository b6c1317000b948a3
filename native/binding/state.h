// Conversions of training events and model state between C++ and JS.
#pragma once

#include <napi.h>

#include "../train/hooks.h"
#include "../train/vae_trainer.h"

namespace gentorch::binding {

Napi::Object progress_to_js(Napi::Env env, const ProgressEvent& ev);
Napi::Object epoch_to_js(Napi::Env env, const EpochEvent& ev);
Napi::Object training_state_to_js(Napi::Env env, const TrainingState& state);
// { type: 'checkpoint', tensors: [{ name, dtype, shape, data }], state }
Napi::Object checkpoint_to_js(Napi::Env env, const NamedTensors& tensors, const TrainingState& state);

NamedTensors named_tensors_from_js(Napi::Env env, Napi::Value value);
TrainingState training_state_from_js(Napi::Env env, Napi::Value value);

}  // namespace gentorch::binding
