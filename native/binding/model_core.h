// What every model handle shares: the model in a core that jobs also hold
// (so dispose() or garbage collection during a job never frees what a job
// thread is using), the one-job-at-a-time rule, and the fit hooks that turn
// training events into JS events.
#pragma once

#include <napi.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "../core/error.h"
#include "../dist/data_parallel.h"
#include "../train/hooks.h"
#include "../train/latent_search.h"
#include "bridge.h"
#include "errors.h"
#include "fields.h"
#include "job.h"
#include "options.h"
#include "state.h"

namespace gentorch::binding {

template <typename Model>
struct ModelCore {
  std::shared_ptr<Model> model;
  bool busy = false;  // touched on the main thread only
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
};

// Marks the core busy and runs `work` on a job thread; E_DISPOSED / E_BUSY otherwise.
template <typename Model>
Napi::Value run_job(Napi::Env env, const std::shared_ptr<ModelCore<Model>>& core, Napi::Value on_event,
                    std::function<Finisher(JobContext&, Model&)> work) {
  if (!core->model) throw_error(env, "E_DISPOSED", "This model was disposed");
  if (core->busy) throw_error(env, "E_BUSY", "This model is busy with another call; await it first");
  core->busy = true;
  core->cancel->store(false);
  auto model = core->model;
  return start_job(
      env, core->cancel, on_event, [model, work](JobContext& ctx) { return work(ctx, *model); },
      [core]() { core->busy = false; });
}

// Fit hooks that stream progress, epochs and checkpoints to the job's onEvent.
// Runs a fit; on E_DISTRIBUTED the broken job connection is dropped so a
// later fit joins afresh.
template <typename Fn>
void fit_distributed(Fn&& fit) {
  try {
    fit();
  } catch (const Error& e) {
    if (e.code() == "E_DISTRIBUTED") DataParallel::drop_shared();
    throw;
  }
}

template <typename Model>
FitHooks fit_hooks(JobContext& ctx, Model& model) {
  FitHooks hooks;
  hooks.cancelled = [&ctx]() { return ctx.cancelled(); };
  // The thread may take one step past a progress event before JS must have
  // answered it, none past an epoch event (so early stopping ends the fit
  // right at the epoch's end); job.h's EventGate.
  hooks.on_progress = [&ctx](const ProgressEvent& ev) {
    ctx.emit([ev](Napi::Env env) { return progress_to_js(env, ev); }, ev.step + 1);
  };
  hooks.on_epoch = [&ctx](const EpochEvent& ev) {
    ctx.emit([ev](Napi::Env env) { return epoch_to_js(env, ev); }, ev.step);
  };
  hooks.gate = [&ctx](int64_t step) { return ctx.wait_gate(step); };
  hooks.on_samples = [&ctx](int64_t step, const torch::Tensor& images) {
    ctx.emit([step, images](Napi::Env env) -> Napi::Value {
      Napi::Object ev = Napi::Object::New(env);
      ev.Set("type", "samples");
      ev.Set("step", static_cast<double>(step));
      ev.Set("images", tensor_to_js(env, images));
      return ev;
    });
  };
  hooks.on_checkpoint = [&ctx, &model](int64_t) {
    auto tensors = model.export_state(true);
    auto state = model.training_state();
    ctx.emit([tensors, state](Napi::Env env) { return checkpoint_to_js(env, tensors, state); });
  };
  return hooks;
}

template <typename Model>
Napi::Value export_state_job(Napi::Env env, const std::shared_ptr<ModelCore<Model>>& core, bool optimizer) {
  return run_job<Model>(env, core, env.Undefined(), [optimizer](JobContext&, Model& m) -> Finisher {
    auto tensors = m.export_state(optimizer);
    auto state = m.training_state();
    return [tensors, state](Napi::Env env) { return checkpoint_to_js(env, tensors, state); };
  });
}

template <typename Model>
Napi::Value import_state_job(Napi::Env env, const std::shared_ptr<ModelCore<Model>>& core, Napi::Value tensors_value,
                             Napi::Value state_value) {
  NamedTensors tensors = named_tensors_from_js(env, tensors_value);
  TrainingState state = training_state_from_js(env, state_value);
  return run_job<Model>(env, core, env.Undefined(), [tensors, state](JobContext&, Model& m) -> Finisher {
    m.import_state(tensors, state);
    return [](Napi::Env env) { return env.Undefined(); };
  });
}

template <typename Model>
Napi::Value model_info(Napi::Env env, const std::shared_ptr<ModelCore<Model>>& core) {
  if (!core->model) throw_error(env, "E_DISPOSED", "This model was disposed");
  Napi::Object out = Napi::Object::New(env);
  out.Set("parameterCount", static_cast<double>(core->model->parameter_count()));
  out.Set("device", core->model->device().str());
  out.Set("state", training_state_to_js(env, core->model->training_state()));
  out.Set("busy", core->busy);
  return out;
}

// Cancels a running job; with `dispose`, also drops the handle's model (a
// running job keeps its own reference and stops at its next step).
template <typename Model>
void cancel_core(const std::shared_ptr<ModelCore<Model>>& core, bool dispose) {
  core->cancel->store(true);
  if (dispose) core->model.reset();
}

inline Finisher tensor_result(torch::Tensor t) {
  return [t](Napi::Env env) -> Napi::Value { return tensor_to_js(env, t); };
}

// A latent search's { z, images, loss } (latent_search.h).
inline Finisher search_result(LatentSearchResult r) {
  return [r](Napi::Env env) -> Napi::Value {
    Napi::Object out = Napi::Object::New(env);
    out.Set("z", tensor_to_js(env, r.z));
    out.Set("images", tensor_to_js(env, r.images));
    out.Set("loss", tensor_to_js(env, r.loss));
    return out;
  };
}

// The cancel check a latent search calls before every descent step, which
// also reports its progress to the job's onEvent: { type: "search", done,
// total } in descent steps (every chunk of images: its starts' steps, then
// the best start's), at most every 0.25 s and at the last step.
inline std::function<bool()> search_progress(JobContext& ctx, int64_t images, const LatentSearchOptions& o) {
  const int64_t chunks = o.chunk > 0 ? (images + o.chunk - 1) / o.chunk : 0;
  const int64_t total = chunks * ((o.starts > 1 ? o.start_steps : 0) + o.steps);
  auto done = std::make_shared<int64_t>(0);
  auto last = std::make_shared<std::chrono::steady_clock::time_point>(std::chrono::steady_clock::now());
  return [&ctx, done, last, total]() {
    const int64_t d = ++*done;
    const auto now = std::chrono::steady_clock::now();
    if (d == total || now - *last >= std::chrono::milliseconds(250)) {
      *last = now;
      ctx.emit([d, total](Napi::Env env) -> Napi::Value {
        Napi::Object ev = Napi::Object::New(env);
        ev.Set("type", "search");
        ev.Set("done", static_cast<double>(d));
        ev.Set("total", static_cast<double>(total));
        return ev;
      });
    }
    return ctx.cancelled();
  };
}

// A latent search's options, every key required (fields.h).
inline LatentSearchOptions read_search_options(Napi::Env env, Napi::Value value) {
  return read_fields<LatentSearchOptions>(as_object(env, value, "search options"), "search options",
                                          latent_search_fields<FieldReader>);
}

// An optional tensor argument: undefined/null means none.
inline torch::Tensor optional_tensor(Napi::Env env, Napi::Value v, const char* what) {
  if (v.IsUndefined() || v.IsNull()) return {};
  return tensor_from_js(env, v, what);
}

}  // namespace gentorch::binding
