#include "vae_handle.h"

#include "../core/device.h"
#include "bridge.h"
#include "errors.h"
#include "fields.h"
#include "job.h"
#include "options.h"
#include "state.h"

namespace gentorch::binding {

Napi::Function VaeHandle::Define(Napi::Env env) {
  return DefineClass(
      env, "VaeHandle",
      {InstanceMethod("fit", &VaeHandle::Fit), InstanceMethod("evaluate", &VaeHandle::Evaluate),
       InstanceMethod("iwae", &VaeHandle::Iwae), InstanceMethod("encode", &VaeHandle::Encode),
       InstanceMethod("decode", &VaeHandle::Decode), InstanceMethod("reconstruct", &VaeHandle::Reconstruct),
       InstanceMethod("sample", &VaeHandle::Sample), InstanceMethod("interpolate", &VaeHandle::Interpolate),
       InstanceMethod("search", &VaeHandle::Search), InstanceMethod("exportState", &VaeHandle::ExportState),
       InstanceMethod("importState", &VaeHandle::ImportState), InstanceMethod("info", &VaeHandle::Info),
       InstanceMethod("cancel", &VaeHandle::Cancel), InstanceMethod("dispose", &VaeHandle::Dispose)});
}

// new VaeHandle(config, device, seed)
VaeHandle::VaeHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<VaeHandle>(info) {
  Napi::Env env = info.Env();
  Napi::Object cfg = as_object(env, info[0], "config");
  const VaeConfig config = read_fields<VaeConfig>(cfg, "VAE config", vae_config_fields<FieldReader>);
  const std::string device = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "auto";
  const double seed = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  core_ = std::make_shared<ModelCore<VaeModel>>();
  try {
    core_->model = std::make_shared<VaeModel>(config, parse_device(device), static_cast<uint64_t>(seed));
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

Napi::Value VaeHandle::run(Napi::Env env, Napi::Value on_event, std::function<Finisher(JobContext&, VaeModel&)> work) {
  return run_job<VaeModel>(env, core_, on_event, std::move(work));
}

Napi::Value VaeHandle::Fit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  Napi::Object o = as_object(env, info[1], "options");
  VaeFitOptions opts = read_fields<VaeFitOptions>(o, "fit options", vae_fit_fields<FieldReader>);
  opts.progress_every(std::max<int64_t>(1, opts.progress_every()));  // a modulus: never 0
  const auto dist = get_distributed(o);
  torch::Tensor validation = optional_tensor(env, o.Get("validation"), "validationData");
  return run(env, info[2], [images, opts, dist, validation](JobContext& ctx, VaeModel& model) -> Finisher {
    auto hooks = fit_hooks(ctx, model);
    if (dist) hooks.parallel = DataParallel::shared(*dist);  // joins the job on this thread (blocks up to its timeout)
    fit_distributed([&]() { model.fit(images, opts, hooks, validation); });
    return [](Napi::Env env) { return env.Undefined(); };
  });
}

Napi::Value VaeHandle::Evaluate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  const int64_t batch = info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 1000;
  return run(env, env.Undefined(), [images, batch](JobContext&, VaeModel& model) -> Finisher {
    VaeLosses l = model.evaluate(images, batch);
    return [l](Napi::Env env) {
      Napi::Object out = Napi::Object::New(env);
      out.Set("nelbo", l.loss);
      out.Set("recon", l.recon);
      out.Set("kl", l.kl);
      return out;
    };
  });
}

// iwae(images, k): the importance-weighted bound on -log p(x), nats per image.
Napi::Value VaeHandle::Iwae(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  const int64_t k = info[1].IsNumber() ? info[1].As<Napi::Number>().Int64Value() : 0;
  return run(env, env.Undefined(), [images, k](JobContext&, VaeModel& model) -> Finisher {
    const double bound = model.iwae(images, k);
    return [bound](Napi::Env env) { return Napi::Number::New(env, bound); };
  });
}

Napi::Value VaeHandle::Encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  return run(env, env.Undefined(), [images](JobContext&, VaeModel& model) -> Finisher {
    auto [mu, logvar] = model.encode(images);
    return [mu = mu, logvar = logvar](Napi::Env env) {
      Napi::Object out = Napi::Object::New(env);
      out.Set("mu", tensor_to_js(env, mu));
      out.Set("logvar", tensor_to_js(env, logvar));
      return out;
    };
  });
}

Napi::Value VaeHandle::Decode(const Napi::CallbackInfo& info) {
  torch::Tensor z = tensor_from_js(info.Env(), info[0], "z");
  return run(info.Env(), info.Env().Undefined(), [z](JobContext&, VaeModel& m) { return tensor_result(m.decode(z)); });
}

Napi::Value VaeHandle::Reconstruct(const Napi::CallbackInfo& info) {
  torch::Tensor x = tensor_from_js(info.Env(), info[0], "images");
  return run(info.Env(), info.Env().Undefined(),
             [x](JobContext&, VaeModel& m) { return tensor_result(m.reconstruct(x)); });
}

Napi::Value VaeHandle::Sample(const Napi::CallbackInfo& info) {
  const int64_t n = info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : 0;
  const double seed = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  return run(info.Env(), info.Env().Undefined(),
             [n, seed](JobContext&, VaeModel& m) { return tensor_result(m.sample(n, static_cast<uint64_t>(seed))); });
}

Napi::Value VaeHandle::Interpolate(const Napi::CallbackInfo& info) {
  torch::Tensor a = tensor_from_js(info.Env(), info[0], "from");
  torch::Tensor b = tensor_from_js(info.Env(), info[1], "to");
  const int64_t steps = info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : 0;
  return run(info.Env(), info.Env().Undefined(),
             [a, b, steps](JobContext&, VaeModel& m) { return tensor_result(m.interpolate(a, b, steps)); });
}

// search(images, mask | undefined, options, onEvent?): { z, images, loss }; progress events (search_progress)
Napi::Value VaeHandle::Search(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  torch::Tensor mask = optional_tensor(env, info[1], "mask");
  const LatentSearchOptions opts = read_search_options(env, info[2]);
  return run(env, info[3], [=](JobContext& ctx, VaeModel& m) {
    return search_result(m.search(images, mask, opts, search_progress(ctx, images.size(0), opts)));
  });
}

Napi::Value VaeHandle::ExportState(const Napi::CallbackInfo& info) {
  return export_state_job<VaeModel>(info.Env(), core_, info[0].ToBoolean().Value());
}

Napi::Value VaeHandle::ImportState(const Napi::CallbackInfo& info) {
  return import_state_job<VaeModel>(info.Env(), core_, info[0], info[1]);
}

Napi::Value VaeHandle::Info(const Napi::CallbackInfo& info) { return model_info<VaeModel>(info.Env(), core_); }

Napi::Value VaeHandle::Cancel(const Napi::CallbackInfo& info) {
  cancel_core<VaeModel>(core_, false);
  return info.Env().Undefined();
}

Napi::Value VaeHandle::Dispose(const Napi::CallbackInfo& info) {
  cancel_core<VaeModel>(core_, true);
  return info.Env().Undefined();
}

}  // namespace gentorch::binding
