#include "text_vae_handle.h"

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

Napi::Function TextVaeHandle::Define(Napi::Env env) {
  return DefineClass(
      env, "TextVaeHandle",
      {InstanceMethod("fit", &TextVaeHandle::Fit), InstanceMethod("evaluate", &TextVaeHandle::Evaluate),
       InstanceMethod("encode", &TextVaeHandle::Encode), InstanceMethod("decode", &TextVaeHandle::Decode),
       InstanceMethod("sample", &TextVaeHandle::Sample), InstanceMethod("reconstruct", &TextVaeHandle::Reconstruct),
       InstanceMethod("repair", &TextVaeHandle::Repair), InstanceMethod("exportState", &TextVaeHandle::ExportState),
       InstanceMethod("importState", &TextVaeHandle::ImportState), InstanceMethod("info", &TextVaeHandle::Info),
       InstanceMethod("cancel", &TextVaeHandle::Cancel), InstanceMethod("dispose", &TextVaeHandle::Dispose)});
}

// new TextVaeHandle(config, device, seed)
TextVaeHandle::TextVaeHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<TextVaeHandle>(info) {
  Napi::Env env = info.Env();
  Napi::Object cfg = as_object(env, info[0], "config");
  const TextVaeConfig config = read_fields<TextVaeConfig>(cfg, "TextVAE config", text_vae_config_fields<FieldReader>);
  const std::string device = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "auto";
  const double seed = number_arg(info[2]);
  core_ = std::make_shared<ModelCore<TextVaeModel>>();
  try {
    core_->model = std::make_shared<TextVaeModel>(config, parse_device(device), static_cast<uint64_t>(seed));
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

Napi::Value TextVaeHandle::run(Napi::Env env, Napi::Value on_event,
                               std::function<Finisher(JobContext&, TextVaeModel&)> work) {
  return run_job<TextVaeModel>(env, core_, on_event, std::move(work));
}

// fit(tokens, options, onEvent): options as a VAE's fit (`distributed` too), with `validation` token rows.
Napi::Value TextVaeHandle::Fit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor tokens = tensor_from_js(env, info[0], "tokens");
  Napi::Object o = as_object(env, info[1], "options");
  TextVaeFitOptions opts = read_fields<TextVaeFitOptions>(o, "fit options", vae_fit_fields<FieldReader>);
  opts.progress_every(std::max<int64_t>(1, opts.progress_every()));  // a modulus: never 0
  const auto dist = get_distributed(o);
  torch::Tensor validation = optional_tensor(env, o.Get("validation"), "validationData");
  return run(env, info[2], [tokens, opts, dist, validation](JobContext& ctx, TextVaeModel& model) -> Finisher {
    auto hooks = fit_hooks(ctx, model);
    if (dist) hooks.parallel = DataParallel::shared(*dist);  // joins the job on this thread (blocks up to its timeout)
    fit_distributed([&]() { model.fit(tokens, opts, hooks, validation); });
    return [](Napi::Env env) { return env.Undefined(); };
  });
}

// evaluate(tokens, k): { nelbo, recon, kl, iwae, strings, tokens, activeUnits, muVariance }
Napi::Value TextVaeHandle::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor tokens = tensor_from_js(env, info[0], "tokens");
  const int64_t k = int_arg(info[1]);
  return run(env, env.Undefined(), [tokens, k](JobContext&, TextVaeModel& model) -> Finisher {
    const TextVaeEvaluation e = model.evaluate(tokens, k);
    return [e](Napi::Env env) {
      Napi::Object out = Napi::Object::New(env);
      out.Set("nelbo", e.nelbo);
      out.Set("recon", e.recon);
      out.Set("kl", e.kl);
      out.Set("iwae", e.iwae);
      out.Set("strings", static_cast<double>(e.strings));
      out.Set("tokens", static_cast<double>(e.tokens));
      out.Set("activeUnits", static_cast<double>(e.active_units));
      Napi::Array var = Napi::Array::New(env, e.mu_variance.size());
      for (uint32_t i = 0; i < e.mu_variance.size(); ++i) var.Set(i, e.mu_variance[i]);
      out.Set("muVariance", var);
      return out;
    };
  });
}

Napi::Value TextVaeHandle::Encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor tokens = tensor_from_js(env, info[0], "tokens");
  return run(env, env.Undefined(), [tokens](JobContext&, TextVaeModel& model) -> Finisher {
    auto [mu, logvar] = model.encode(tokens);
    return [mu = mu, logvar = logvar](Napi::Env env) {
      Napi::Object out = Napi::Object::New(env);
      out.Set("mu", tensor_to_js(env, mu));
      out.Set("logvar", tensor_to_js(env, logvar));
      return out;
    };
  });
}

// decode(z, temperature, maxLength, seed): token rows [N, maxLength + 1] int32
Napi::Value TextVaeHandle::Decode(const Napi::CallbackInfo& info) {
  torch::Tensor z = tensor_from_js(info.Env(), info[0], "z");
  const double temperature = number_arg(info[1]);
  const int64_t max_length = int_arg(info[2]);
  const double seed = number_arg(info[3]);
  return run(info.Env(), info.Env().Undefined(), [=](JobContext&, TextVaeModel& m) {
    return tensor_result(m.decode(z, temperature, max_length, static_cast<uint64_t>(seed)));
  });
}

// sample(n, temperature, maxLength, seed): token rows [n, maxLength + 1] int32
Napi::Value TextVaeHandle::Sample(const Napi::CallbackInfo& info) {
  const int64_t n = int_arg(info[0]);
  const double temperature = number_arg(info[1]);
  const int64_t max_length = int_arg(info[2]);
  const double seed = number_arg(info[3]);
  return run(info.Env(), info.Env().Undefined(), [=](JobContext&, TextVaeModel& m) {
    return tensor_result(m.sample(n, temperature, max_length, static_cast<uint64_t>(seed)));
  });
}

Napi::Value TextVaeHandle::Reconstruct(const Napi::CallbackInfo& info) {
  torch::Tensor tokens = tensor_from_js(info.Env(), info[0], "tokens");
  return run(info.Env(), info.Env().Undefined(),
             [tokens](JobContext&, TextVaeModel& m) { return tensor_result(m.reconstruct(tokens)); });
}

// repair(tokens, rounds): the rows with each UNK filled (TextVaeModel::repair)
Napi::Value TextVaeHandle::Repair(const Napi::CallbackInfo& info) {
  torch::Tensor tokens = tensor_from_js(info.Env(), info[0], "tokens");
  const int64_t rounds = int_arg(info[1]);
  return run(info.Env(), info.Env().Undefined(),
             [tokens, rounds](JobContext&, TextVaeModel& m) { return tensor_result(m.repair(tokens, rounds)); });
}

Napi::Value TextVaeHandle::ExportState(const Napi::CallbackInfo& info) {
  return export_state_job<TextVaeModel>(info.Env(), core_, info[0].ToBoolean().Value());
}

Napi::Value TextVaeHandle::ImportState(const Napi::CallbackInfo& info) {
  return import_state_job<TextVaeModel>(info.Env(), core_, info[0], info[1]);
}

Napi::Value TextVaeHandle::Info(const Napi::CallbackInfo& info) { return model_info<TextVaeModel>(info.Env(), core_); }

Napi::Value TextVaeHandle::Cancel(const Napi::CallbackInfo& info) {
  cancel_core<TextVaeModel>(core_, false);
  return info.Env().Undefined();
}

Napi::Value TextVaeHandle::Dispose(const Napi::CallbackInfo& info) {
  cancel_core<TextVaeModel>(core_, true);
  return info.Env().Undefined();
}

}  // namespace gentorch::binding
