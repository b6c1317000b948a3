// The JS handle of a TextGanModel. Public methods are thin: read arguments,
// then start a job on the shared model core (model_core.h).
#pragma once

#include <napi.h>

#include <memory>

#include "../train/text_gan_trainer.h"
#include "job.h"
#include "model_core.h"

namespace gentorch::binding {

class TextGanHandle : public Napi::ObjectWrap<TextGanHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TextGanHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value Fit(const Napi::CallbackInfo& info);
  Napi::Value Decode(const Napi::CallbackInfo& info);
  Napi::Value Sample(const Napi::CallbackInfo& info);
  Napi::Value Invert(const Napi::CallbackInfo& info);
  Napi::Value ExportState(const Napi::CallbackInfo& info);
  Napi::Value ImportState(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  Napi::Value run(Napi::Env env, Napi::Value on_event, std::function<Finisher(JobContext&, TextGanModel&)> work);
  std::shared_ptr<ModelCore<TextGanModel>> core_;
};

}  // namespace gentorch::binding
