// The JS handle of a VaeModel. Public methods are thin: read arguments,
// check the handle is usable, start a job. The model lives in a shared core
// the jobs also hold, so dispose() or garbage collection during a fit never
// frees what a job thread is using.
#pragma once

#include <napi.h>

#include <atomic>
#include <memory>

#include "../train/vae_trainer.h"
#include "job.h"

namespace gentorch::binding {

struct VaeCore {
  std::shared_ptr<VaeModel> model;
  bool busy = false;  // touched on the main thread only
  std::shared_ptr<std::atomic<bool>> cancel = std::make_shared<std::atomic<bool>>(false);
};

class VaeHandle : public Napi::ObjectWrap<VaeHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit VaeHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value Fit(const Napi::CallbackInfo& info);
  Napi::Value Evaluate(const Napi::CallbackInfo& info);
  Napi::Value Encode(const Napi::CallbackInfo& info);
  Napi::Value Decode(const Napi::CallbackInfo& info);
  Napi::Value Reconstruct(const Napi::CallbackInfo& info);
  Napi::Value Sample(const Napi::CallbackInfo& info);
  Napi::Value Interpolate(const Napi::CallbackInfo& info);
  Napi::Value ExportState(const Napi::CallbackInfo& info);
  Napi::Value ImportState(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  // Marks the core busy and starts `work`; E_DISPOSED / E_BUSY otherwise.
  Napi::Value run(Napi::Env env, Napi::Value on_event, std::function<Finisher(JobContext&, VaeModel&)> work);
  std::shared_ptr<VaeCore> core_;
};

}  // namespace gentorch::binding
