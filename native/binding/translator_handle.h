// The JS handle of a TranslatorModel: thin methods over the shared model core.
#pragma once

#include <napi.h>

#include "../train/translator_trainer.h"
#include "model_core.h"

namespace gentorch::binding {

class TranslatorHandle : public Napi::ObjectWrap<TranslatorHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit TranslatorHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value Fit(const Napi::CallbackInfo& info);
  Napi::Value Apply(const Napi::CallbackInfo& info);
  Napi::Value MakeInputs(const Napi::CallbackInfo& info);
  Napi::Value Baseline(const Napi::CallbackInfo& info);
  Napi::Value InputShape(const Napi::CallbackInfo& info);
  Napi::Value ExportState(const Napi::CallbackInfo& info);
  Napi::Value ImportState(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<ModelCore<TranslatorModel>> core_;
};

}  // namespace gentorch::binding
