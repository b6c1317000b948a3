// The JS handle of a GanModel: thin methods over the shared model core.
#pragma once

#include <napi.h>

#include "../train/gan_trainer.h"
#include "model_core.h"

namespace gentorch::binding {

class GanHandle : public Napi::ObjectWrap<GanHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit GanHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value Fit(const Napi::CallbackInfo& info);
  Napi::Value Sample(const Napi::CallbackInfo& info);
  Napi::Value Generate(const Napi::CallbackInfo& info);
  Napi::Value Discriminate(const Napi::CallbackInfo& info);
  Napi::Value Search(const Napi::CallbackInfo& info);
  Napi::Value ExportState(const Napi::CallbackInfo& info);
  Napi::Value ImportState(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<ModelCore<GanModel>> core_;
};

}  // namespace gentorch::binding
