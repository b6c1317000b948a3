// The JS handle of the judge classifier: thin methods over the shared model core.
#pragma once

#include <napi.h>

#include "../train/classifier_trainer.h"
#include "model_core.h"

namespace gentorch::binding {

class ClassifierHandle : public Napi::ObjectWrap<ClassifierHandle> {
 public:
  static Napi::Function Define(Napi::Env env);
  explicit ClassifierHandle(const Napi::CallbackInfo& info);

 private:
  Napi::Value Fit(const Napi::CallbackInfo& info);
  Napi::Value Accuracy(const Napi::CallbackInfo& info);
  Napi::Value Features(const Napi::CallbackInfo& info);
  Napi::Value Probabilities(const Napi::CallbackInfo& info);
  Napi::Value ExportState(const Napi::CallbackInfo& info);
  Napi::Value ImportState(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value Cancel(const Napi::CallbackInfo& info);
  Napi::Value Dispose(const Napi::CallbackInfo& info);

  std::shared_ptr<ModelCore<ClassifierModel>> core_;
};

}  // namespace gentorch::binding
