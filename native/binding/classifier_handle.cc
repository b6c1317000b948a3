#include "classifier_handle.h"

#include "../core/device.h"
#include "bridge.h"
#include "fields.h"
#include "options.h"

namespace gentorch::binding {

Napi::Function ClassifierHandle::Define(Napi::Env env) {
  return DefineClass(
      env, "ClassifierHandle",
      {InstanceMethod("fit", &ClassifierHandle::Fit), InstanceMethod("accuracy", &ClassifierHandle::Accuracy),
       InstanceMethod("features", &ClassifierHandle::Features),
       InstanceMethod("probabilities", &ClassifierHandle::Probabilities),
       InstanceMethod("exportState", &ClassifierHandle::ExportState),
       InstanceMethod("importState", &ClassifierHandle::ImportState), InstanceMethod("info", &ClassifierHandle::Info),
       InstanceMethod("cancel", &ClassifierHandle::Cancel), InstanceMethod("dispose", &ClassifierHandle::Dispose)});
}

// new ClassifierHandle(config, device, seed)
ClassifierHandle::ClassifierHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<ClassifierHandle>(info) {
  Napi::Env env = info.Env();
  Napi::Object c = as_object(env, info[0], "config");
  const ClassifierOptions o =
      read_fields<ClassifierOptions>(c, "classifier config", classifier_config_fields<FieldReader>);
  const std::string device = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "auto";
  const double seed = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  core_ = std::make_shared<ModelCore<ClassifierModel>>();
  try {
    core_->model = std::make_shared<ClassifierModel>(o, parse_device(device), static_cast<uint64_t>(seed));
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

// fit(images, labels, options, onEvent)
Napi::Value ClassifierHandle::Fit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  torch::Tensor labels = tensor_from_js(env, info[1], "labels");
  Napi::Object o = as_object(env, info[2], "options");
  ClassifierFitOptions opts =
      read_fields<ClassifierFitOptions>(o, "classifier fit options", classifier_fit_fields<FieldReader>);
  opts.progress_every(std::max<int64_t>(1, opts.progress_every()));  // a modulus: never 0
  return run_job<ClassifierModel>(env, core_, info[3],
                                  [images, labels, opts](JobContext& ctx, ClassifierModel& m) -> Finisher {
                                    m.fit(images, labels, opts, fit_hooks(ctx, m));
                                    return [](Napi::Env env) { return env.Undefined(); };
                                  });
}

Napi::Value ClassifierHandle::Accuracy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  torch::Tensor labels = tensor_from_js(env, info[1], "labels");
  return run_job<ClassifierModel>(env, core_, env.Undefined(),
                                  [images, labels](JobContext&, ClassifierModel& m) -> Finisher {
                                    const double acc = m.accuracy(images, labels);
                                    return [acc](Napi::Env env) { return Napi::Number::New(env, acc); };
                                  });
}

Napi::Value ClassifierHandle::Features(const Napi::CallbackInfo& info) {
  torch::Tensor images = tensor_from_js(info.Env(), info[0], "images");
  return run_job<ClassifierModel>(info.Env(), core_, info.Env().Undefined(), [images](JobContext&, ClassifierModel& m) {
    return tensor_result(m.features(images));
  });
}

Napi::Value ClassifierHandle::Probabilities(const Napi::CallbackInfo& info) {
  torch::Tensor images = tensor_from_js(info.Env(), info[0], "images");
  return run_job<ClassifierModel>(info.Env(), core_, info.Env().Undefined(), [images](JobContext&, ClassifierModel& m) {
    return tensor_result(m.probabilities(images));
  });
}

Napi::Value ClassifierHandle::ExportState(const Napi::CallbackInfo& info) {
  return export_state_job<ClassifierModel>(info.Env(), core_, info[0].ToBoolean().Value());
}

Napi::Value ClassifierHandle::ImportState(const Napi::CallbackInfo& info) {
  return import_state_job<ClassifierModel>(info.Env(), core_, info[0], info[1]);
}

Napi::Value ClassifierHandle::Info(const Napi::CallbackInfo& info) {
  return model_info<ClassifierModel>(info.Env(), core_);
}

Napi::Value ClassifierHandle::Cancel(const Napi::CallbackInfo& info) {
  cancel_core<ClassifierModel>(core_, false);
  return info.Env().Undefined();
}

Napi::Value ClassifierHandle::Dispose(const Napi::CallbackInfo& info) {
  cancel_core<ClassifierModel>(core_, true);
  return info.Env().Undefined();
}

}  // namespace gentorch::binding
