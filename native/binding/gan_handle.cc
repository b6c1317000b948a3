#include "gan_handle.h"

#include "../core/device.h"
#include "bridge.h"
#include "fields.h"
#include "options.h"

namespace gentorch::binding {

Napi::Function GanHandle::Define(Napi::Env env) {
  return DefineClass(
      env, "GanHandle",
      {InstanceMethod("fit", &GanHandle::Fit), InstanceMethod("sample", &GanHandle::Sample),
       InstanceMethod("generate", &GanHandle::Generate), InstanceMethod("discriminate", &GanHandle::Discriminate),
       InstanceMethod("search", &GanHandle::Search), InstanceMethod("exportState", &GanHandle::ExportState),
       InstanceMethod("importState", &GanHandle::ImportState), InstanceMethod("info", &GanHandle::Info),
       InstanceMethod("cancel", &GanHandle::Cancel), InstanceMethod("dispose", &GanHandle::Dispose)});
}

namespace {
GanConfig read_config(Napi::Env env, Napi::Value value) {
  return read_fields<GanConfig>(as_object(env, value, "config"), "GAN config", gan_config_fields<FieldReader>);
}
}  // namespace

// new GanHandle(config, device, seed)
GanHandle::GanHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<GanHandle>(info) {
  Napi::Env env = info.Env();
  GanConfig config = read_config(env, info[0]);
  const std::string device = info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "auto";
  const double seed = info[2].IsNumber() ? info[2].As<Napi::Number>().DoubleValue() : 0;
  core_ = std::make_shared<ModelCore<GanModel>>();
  try {
    core_->model = std::make_shared<GanModel>(config, parse_device(device), static_cast<uint64_t>(seed));
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

// fit(images, labels | undefined, options, onEvent)
Napi::Value GanHandle::Fit(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  torch::Tensor labels = optional_tensor(env, info[1], "labels");
  Napi::Object o = as_object(env, info[2], "options");
  GanFitOptions opts = read_fields<GanFitOptions>(o, "fit options", gan_fit_fields<FieldReader>);
  opts.progress_every(std::max<int64_t>(1, opts.progress_every()));  // a modulus: never 0
  const auto dist = get_distributed(o);
  const GanModel::Validation validation{optional_tensor(env, o.Get("validation"), "validationData"),
                                        optional_tensor(env, o.Get("validationLabels"), "validation labels")};
  return run_job<GanModel>(
      env, core_, info[3], [images, labels, opts, dist, validation](JobContext& ctx, GanModel& model) -> Finisher {
        auto hooks = fit_hooks(ctx, model);
        if (dist)
          hooks.parallel = DataParallel::shared(*dist);  // joins the job on this thread (blocks up to its timeout)
        fit_distributed([&]() { model.fit(images, labels, opts, hooks, validation); });
        return [](Napi::Env env) { return env.Undefined(); };
      });
}

// sample(n, seed, labels | undefined, batchStats)
Napi::Value GanHandle::Sample(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  const int64_t n = info[0].IsNumber() ? info[0].As<Napi::Number>().Int64Value() : 0;
  const double seed = info[1].IsNumber() ? info[1].As<Napi::Number>().DoubleValue() : 0;
  torch::Tensor labels = optional_tensor(env, info[2], "labels");
  const bool batch_stats = info[3].ToBoolean().Value();
  return run_job<GanModel>(env, core_, env.Undefined(), [n, seed, labels, batch_stats](JobContext&, GanModel& m) {
    return tensor_result(m.sample(n, static_cast<uint64_t>(seed), labels, batch_stats));
  });
}

// generate(z, labels | undefined, batchStats): G's images for latent codes z
Napi::Value GanHandle::Generate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor z = tensor_from_js(env, info[0], "z");
  torch::Tensor labels = optional_tensor(env, info[1], "labels");
  const bool batch_stats = info[2].ToBoolean().Value();
  return run_job<GanModel>(env, core_, env.Undefined(), [z, labels, batch_stats](JobContext&, GanModel& m) {
    return tensor_result(m.generate(z, labels, batch_stats));
  });
}

// search(images, mask | undefined, labels | undefined, options, onEvent?): { z, images, loss }; progress events
// (search_progress)
Napi::Value GanHandle::Search(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  torch::Tensor mask = optional_tensor(env, info[1], "mask");
  torch::Tensor labels = optional_tensor(env, info[2], "labels");
  const LatentSearchOptions opts = read_search_options(env, info[3]);
  return run_job<GanModel>(env, core_, info[4], [=](JobContext& ctx, GanModel& m) {
    return search_result(m.search(images, mask, labels, opts, search_progress(ctx, images.size(0), opts)));
  });
}

// discriminate(images, labels | undefined): D's logits
Napi::Value GanHandle::Discriminate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor images = tensor_from_js(env, info[0], "images");
  torch::Tensor labels = optional_tensor(env, info[1], "labels");
  return run_job<GanModel>(env, core_, env.Undefined(), [images, labels](JobContext&, GanModel& m) {
    return tensor_result(m.discriminate(images, labels));
  });
}

Napi::Value GanHandle::ExportState(const Napi::CallbackInfo& info) {
  return export_state_job<GanModel>(info.Env(), core_, info[0].ToBoolean().Value());
}

Napi::Value GanHandle::ImportState(const Napi::CallbackInfo& info) {
  return import_state_job<GanModel>(info.Env(), core_, info[0], info[1]);
}

Napi::Value GanHandle::Info(const Napi::CallbackInfo& info) { return model_info<GanModel>(info.Env(), core_); }

Napi::Value GanHandle::Cancel(const Napi::CallbackInfo& info) {
  cancel_core<GanModel>(core_, false);
  return info.Env().Undefined();
}

Napi::Value GanHandle::Dispose(const Napi::CallbackInfo& info) {
  cancel_core<GanModel>(core_, true);
  return info.Env().Undefined();
}

}  // namespace gentorch::binding
