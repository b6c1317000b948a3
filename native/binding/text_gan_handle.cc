#include "text_gan_handle.h"

#include "../core/device.h"
#include "bridge.h"
#include "errors.h"
#include "fields.h"
#include "job.h"
#include "options.h"
#include "state.h"

namespace gentorch::binding {

namespace {
int64_t int_arg(const Napi::Value& v) { return v.IsNumber() ? v.As<Napi::Number>().Int64Value() : 0; }
double number_arg(const Napi::Value& v) { return v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : 0; }
}  // namespace

Napi::Function TextGanHandle::Define(Napi::Env env) {
  return DefineClass(
      env, "TextGanHandle",
      {InstanceMethod("fit", &TextGanHandle::Fit), InstanceMethod("decode", &TextGanHandle::Decode),
       InstanceMethod("sample", &TextGanHandle::Sample), InstanceMethod("invert", &TextGanHandle::Invert),
       InstanceMethod("exportState", &TextGanHandle::ExportState),
       InstanceMethod("importState", &TextGanHandle::ImportState), InstanceMethod("info", &TextGanHandle::Info),
       InstanceMethod("cancel", &TextGanHandle::Cancel), InstanceMethod("dispose", &TextGanHandle::Dispose)});
}

// new TextGanHandle(config, device, seed)
TextGanHandle::TextGanHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TextGanHandle>(info) {
  Napi::Env env = info.Env();
  Napi::Object cfg = as_object(env, info[0], "config");
  const TextGanConfig config = read_fields<TextGanConfig>(cfg, "TextGAN config", text_gan_config_fields<FieldReader>);
  const std::string device = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "auto";
  const double seed = number_arg(info[2]);
  core_ = std::make_shared<ModelCore<TextGanModel>>();
  try {
    core_->model = std::make_shared<TextGanModel>(config, parse_device(device), static_cast<uint64_t>(seed));
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

Napi::Value TextGanHandle::run(Napi::Env env, Napi::Value on_event,
                               std::function<Finisher(JobContext&, TextGanModel&)> work) {
  return run_job<TextGanModel>(env, core_, on_event, std::move(work));
}

// fit(tokens, options, onEvent): options as TextGanFitConfig, with `validation` token rows.
Napi::Value TextGanHandle::Fit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor tokens = tensor_from_js(env, info[0], "tokens");
  Napi::Object o = as_object(env, info[1], "options");
  TextGanFitOptions opts = read_fields<TextGanFitOptions>(o, "fit options", text_gan_fit_fields<FieldReader>);
  opts.progress_every(std::max<int64_t>(1, opts.progress_every()));  // a modulus: never 0
  const auto dist = get_distributed(o);
  torch::Tensor validation = optional_tensor(env, o.Get("validation"), "validationData");
  return run(env, info[2], [tokens, opts, dist, validation](JobContext& ctx, TextGanModel& model) -> Finisher {
    auto hooks = fit_hooks(ctx, model);
    if (dist) hooks.parallel = DataParallel::shared(*dist);  // joins the job on this thread (blocks up to its timeout)
    fit_distributed([&]() { model.fit(tokens, opts, hooks, validation); });
    return [](Napi::Env env) { return env.Undefined(); };
  });
}

// decode(z): token rows [N, maxLength + 1] int32
Napi::Value TextGanHandle::Decode(const Napi::CallbackInfo& info) {
  torch::Tensor z = tensor_from_js(info.Env(), info[0], "z");
  return run(info.Env(), info.Env().Undefined(),
             [z](JobContext&, TextGanModel& m) { return tensor_result(m.decode(z)); });
}

// sample(n, seed): token rows [n, maxLength + 1] int32
Napi::Value TextGanHandle::Sample(const Napi::CallbackInfo& info) {
  const int64_t n = int_arg(info[0]);
  const double seed = number_arg(info[1]);
  return run(info.Env(), info.Env().Undefined(),
             [=](JobContext&, TextGanModel& m) { return tensor_result(m.sample(n, static_cast<uint64_t>(seed))); });
}

// invert(tokens, known, { steps, lr, seed }): { z, loss, filled }
Napi::Value TextGanHandle::Invert(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor tokens = tensor_from_js(env, info[0], "tokens");
  torch::Tensor known = tensor_from_js(env, info[1], "known");
  const TextInversionOptions opts = read_fields<TextInversionOptions>(
      as_object(env, info[2], "options"), "invert options", text_inversion_fields<FieldReader>);
  return run(env, env.Undefined(), [tokens, known, opts](JobContext& ctx, TextGanModel& m) -> Finisher {
    const TextInversion r = m.invert(tokens, known, opts, [&ctx]() { return ctx.cancelled(); });
    return [r](Napi::Env env) -> Napi::Value {
      Napi::Object out = Napi::Object::New(env);
      out.Set("z", tensor_to_js(env, r.z));
      out.Set("loss", tensor_to_js(env, r.loss));
      out.Set("filled", tensor_to_js(env, r.filled));
      return out;
    };
  });
}

Napi::Value TextGanHandle::ExportState(const Napi::CallbackInfo& info) {
  return export_state_job<TextGanModel>(info.Env(), core_, info[0].ToBoolean().Value());
}

Napi::Value TextGanHandle::ImportState(const Napi::CallbackInfo& info) {
  return import_state_job<TextGanModel>(info.Env(), core_, info[0], info[1]);
}

Napi::Value TextGanHandle::Info(const Napi::CallbackInfo& info) { return model_info<TextGanModel>(info.Env(), core_); }

Napi::Value TextGanHandle::Cancel(const Napi::CallbackInfo& info) {
  cancel_core<TextGanModel>(core_, false);
  return info.Env().Undefined();
}

Napi::Value TextGanHandle::Dispose(const Napi::CallbackInfo& info) {
  cancel_core<TextGanModel>(core_, true);
  return info.Env().Undefined();
}

}  // namespace gentorch::binding
