#include "state.h"

#include "bridge.h"
#include "errors.h"
#include "options.h"

namespace gentorch::binding {

namespace {
Napi::Object losses_to_js(Napi::Env env, const std::map<std::string, double>& losses) {
  Napi::Object out = Napi::Object::New(env);
  for (const auto& [k, v] : losses) out.Set(k, v);
  return out;
}
}  // namespace

Napi::Object progress_to_js(Napi::Env env, const ProgressEvent& ev) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("type", "progress");
  out.Set("step", static_cast<double>(ev.step));
  out.Set("epoch", static_cast<double>(ev.epoch));
  out.Set("epochStep", static_cast<double>(ev.epoch_step));
  out.Set("stepsPerEpoch", static_cast<double>(ev.steps_per_epoch));
  out.Set("losses", losses_to_js(env, ev.losses));
  out.Set("imagesPerSecond", ev.images_per_second);
  out.Set("elapsedSeconds", ev.elapsed_seconds);
  out.Set("skippedSteps", static_cast<double>(ev.skipped_steps));
  out.Set("cudaGraphs", ev.cuda_graphs);
  return out;
}

Napi::Object epoch_to_js(Napi::Env env, const EpochEvent& ev) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("type", "epoch");
  out.Set("epoch", static_cast<double>(ev.epoch));
  out.Set("step", static_cast<double>(ev.step));
  out.Set("seconds", ev.seconds);
  out.Set("losses", losses_to_js(env, ev.losses));
  if (!ev.val_losses.empty()) out.Set("valLosses", losses_to_js(env, ev.val_losses));
  return out;
}

Napi::Object training_state_to_js(Napi::Env env, const TrainingState& s) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("seed", static_cast<double>(s.seed));
  out.Set("step", static_cast<double>(s.step));
  out.Set("epoch", static_cast<double>(s.epoch));
  out.Set("epochStep", static_cast<double>(s.epoch_step));
  out.Set("permSeed", std::to_string(s.perm_seed));  // 64-bit: a string, as JS numbers hold 53 bits
  return out;
}

Napi::Object checkpoint_to_js(Napi::Env env, const NamedTensors& tensors, const TrainingState& state) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("type", "checkpoint");
  Napi::Array list = Napi::Array::New(env, tensors.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    Napi::Object t = tensor_to_js(env, tensors[i].second);
    t.Set("name", tensors[i].first);
    list.Set(static_cast<uint32_t>(i), t);
  }
  out.Set("tensors", list);
  out.Set("state", training_state_to_js(env, state));
  return out;
}

NamedTensors named_tensors_from_js(Napi::Env env, Napi::Value value) {
  if (!value.IsArray()) throw_error(env, "E_CHECKPOINT", "Expected an array of named tensors");
  Napi::Array list = value.As<Napi::Array>();
  NamedTensors out;
  for (uint32_t i = 0; i < list.Length(); ++i) {
    Napi::Object item = as_object(env, list.Get(i), "tensor");
    std::string name = get_string(item, "name", "");
    out.emplace_back(name, tensor_from_js(env, item, "tensor " + name));
  }
  return out;
}

TrainingState training_state_from_js(Napi::Env env, Napi::Value value) {
  Napi::Object o = as_object(env, value, "training state");
  TrainingState s;
  s.seed = static_cast<uint64_t>(get_number(o, "seed", 0));
  s.step = get_int(o, "step", 0);
  s.epoch = get_int(o, "epoch", 0);
  s.epoch_step = get_int(o, "epochStep", 0);
  const std::string perm = get_string(o, "permSeed", "0");
  try {
    size_t used = 0;
    s.perm_seed = std::stoll(perm, &used);
    if (used != perm.size()) throw std::invalid_argument(perm);
  } catch (const std::exception&) {
    throw_error(env, "E_CHECKPOINT",
                "Expected a decimal integer string for training.permSeed but received \"" + perm + "\"");
  }
  if (s.step < 0 || s.epoch < 0 || s.epoch_step < 0)
    throw_error(env, "E_CHECKPOINT", "Expected non-negative training state counters");
  return s;
}

}  // namespace gentorch::binding
