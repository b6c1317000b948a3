#include "translator_handle.h"

#include "../core/device.h"
#include "bridge.h"
#include "fields.h"
#include "options.h"

namespace gentorch::binding {

Napi::Function TranslatorHandle::Define(Napi::Env env) {
  return DefineClass(
      env, "TranslatorHandle",
      {InstanceMethod("fit", &TranslatorHandle::Fit), InstanceMethod("apply", &TranslatorHandle::Apply),
       InstanceMethod("makeInputs", &TranslatorHandle::MakeInputs),
       InstanceMethod("baseline", &TranslatorHandle::Baseline),
       InstanceMethod("inputShape", &TranslatorHandle::InputShape),
       InstanceMethod("exportState", &TranslatorHandle::ExportState),
       InstanceMethod("importState", &TranslatorHandle::ImportState), InstanceMethod("info", &TranslatorHandle::Info),
       InstanceMethod("cancel", &TranslatorHandle::Cancel), InstanceMethod("dispose", &TranslatorHandle::Dispose)});
}

// new TranslatorHandle(config, device, seed)
TranslatorHandle::TranslatorHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TranslatorHandle>(info) {
  Napi::Env env = info.Env();
  const TranslatorConfig config = read_fields<TranslatorConfig>(as_object(env, info[0], "config"), "translator config",
                                                                translator_config_fields<FieldReader>);
  const std::string device = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "auto";
  const double seed = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  core_ = std::make_shared<ModelCore<TranslatorModel>>();
  try {
    core_->model = std::make_shared<TranslatorModel>(config, parse_device(device), static_cast<uint64_t>(seed));
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

// fit(targets, inputs | undefined, options, onEvent)
Napi::Value TranslatorHandle::Fit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor targets = tensor_from_js(env, info[0], "targets");
  torch::Tensor inputs = optional_tensor(env, info[1], "inputs");
  Napi::Object o = as_object(env, info[2], "options");
  auto opts = read_fields<TranslatorFitOptions>(o, "fit options", translator_fit_fields<FieldReader>);
  opts.progress_every(std::max<int64_t>(1, opts.progress_every()));  // a modulus: never 0
  const auto dist = get_distributed(o);
  return run_job<TranslatorModel>(env, core_, info[3],
                                  [targets, inputs, opts, dist](JobContext& ctx, TranslatorModel& model) -> Finisher {
                                    auto hooks = fit_hooks(ctx, model);
                                    if (dist) hooks.parallel = DataParallel::shared(*dist);
                                    fit_distributed([&]() { model.fit(targets, inputs, opts, hooks); });
                                    return [](Napi::Env env) { return env.Undefined(); };
                                  });
}

// apply(inputs, samples, seed)
Napi::Value TranslatorHandle::Apply(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor inputs = tensor_from_js(env, info[0], "inputs");
  const int64_t samples = info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
  const double seed = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  return run_job<TranslatorModel>(env, core_, env.Undefined(), [=](JobContext&, TranslatorModel& m) {
    return tensor_result(m.apply(inputs, samples, static_cast<uint64_t>(seed)));
  });
}

// makeInputs(targets, seed)
Napi::Value TranslatorHandle::MakeInputs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor targets = tensor_from_js(env, info[0], "targets");
  const double seed = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  return run_job<TranslatorModel>(env, core_, env.Undefined(), [=](JobContext&, TranslatorModel& m) {
    return tensor_result(m.make_inputs(targets, static_cast<uint64_t>(seed)));
  });
}

// baseline(inputs): bicubic for superres; null where the task has none.
Napi::Value TranslatorHandle::Baseline(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor inputs = tensor_from_js(env, info[0], "inputs");
  return run_job<TranslatorModel>(env, core_, env.Undefined(), [=](JobContext&, TranslatorModel& m) -> Finisher {
    torch::Tensor out = m.baseline(inputs);
    return [out](Napi::Env env) -> Napi::Value { return out.defined() ? tensor_to_js(env, out) : env.Null(); };
  });
}

// inputShape(): [C, H, W] of one input as the user gives it.
Napi::Value TranslatorHandle::InputShape(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!core_->model) throw_error(env, "E_DISPOSED", "This model was disposed");
  const auto s = core_->model->input_shape();
  Napi::Array out = Napi::Array::New(env, 3);
  for (uint32_t i = 0; i < 3; ++i) out.Set(i, static_cast<double>(s[i]));
  return out;
}

Napi::Value TranslatorHandle::ExportState(const Napi::CallbackInfo& info) {
  return export_state_job<TranslatorModel>(info.Env(), core_, info[0].ToBoolean().Value());
}

Napi::Value TranslatorHandle::ImportState(const Napi::CallbackInfo& info) {
  return import_state_job<TranslatorModel>(info.Env(), core_, info[0], info[1]);
}

Napi::Value TranslatorHandle::Info(const Napi::CallbackInfo& info) {
  return model_info<TranslatorModel>(info.Env(), core_);
}

Napi::Value TranslatorHandle::Cancel(const Napi::CallbackInfo& info) {
  cancel_core<TranslatorModel>(core_, false);
  return info.Env().Undefined();
}

Napi::Value TranslatorHandle::Dispose(const Napi::CallbackInfo& info) {
  cancel_core<TranslatorModel>(core_, true);
  return info.Env().Undefined();
}

}  // namespace gentorch::binding
