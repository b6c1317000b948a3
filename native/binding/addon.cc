// Addon entry: registers the handle classes and the runtime functions.
#include <napi.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "../core/device.h"
#include "addon.h"
#include "bridge.h"
#include "../dist/data_parallel.h"
#include "../models/safe_conv.h"
#include "errors.h"
#include "fields.h"
#include "options.h"
#include "classifier_handle.h"
#include "gan_handle.h"
#include "translator_handle.h"
#include "metrics.h"
#include "text_gan_handle.h"
#include "text_vae_handle.h"
#include "vae_handle.h"

namespace gentorch::binding {

namespace {

// setErrorClass(GentorchError): lib/ hands its error class over once, so
// native failures arrive as that class with a stable code.
Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "Expected the GentorchError class");
  info.Env().GetInstanceData<AddonData>()->error_class = Napi::Persistent(info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value RuntimeInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    gentorch::RuntimeInfo r = gentorch::runtime_info();
    Napi::Object out = Napi::Object::New(env);
    out.Set("torchVersion", r.torch_version);
    out.Set("cudaBuilt", r.cuda_built);
    out.Set("cudaAvailable", r.cuda_available);
    out.Set("cudaDeviceCount", static_cast<double>(r.cuda_device_count));
    out.Set("intraOpThreads", static_cast<double>(r.intra_op_threads));
    out.Set("fitThreads", static_cast<double>(r.fit_threads));
    out.Set("interOpThreads", static_cast<double>(r.inter_op_threads));
    out.Set("parallelInfo", r.parallel_info);
    out.Set("buildConfig", r.build_config);
    Napi::Array gpus = Napi::Array::New(env, r.cuda_devices.size());
    for (uint32_t i = 0; i < r.cuda_devices.size(); ++i) {
      const auto& d = r.cuda_devices[i];
      Napi::Object g = Napi::Object::New(env);
      g.Set("name", d.name);
      g.Set("totalMemory", static_cast<double>(d.total_memory));
      g.Set("capability", std::to_string(d.capability_major) + "." + std::to_string(d.capability_minor));
      gpus.Set(i, g);
    }
    out.Set("cudaDevices", gpus);
    out.Set("distributed", gentorch::DataParallel::available());
    const gentorch::StoreTransport store = gentorch::DataParallel::store_transport();
    out.Set("storeTransport", store.libuv ? "libuv" : "sockets");
    out.Set("storeTransportReason", store.reason);
    out.Set("cpuConvGradFaulty", gentorch::cpu_conv_grad_faulty());
    return out;
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

Napi::Value SetThreads(const Napi::CallbackInfo& info) {
  if (info[0].IsNumber()) gentorch::set_threads(info[0].As<Napi::Number>().Int64Value());
  return info.Env().Undefined();
}

// checkDevice("cuda:1"): validates a device spec, returns the resolved name.
Napi::Value CheckDevice(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    return Napi::String::New(env, gentorch::parse_device(info[0].ToString().Utf8Value()).str());
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

// tensorRoundTrip({ data, shape }): typed array -> tensor (a copy) -> typed
// array owning that tensor. Exercises the bridge in tests.
Napi::Value TensorRoundTrip(const Napi::CallbackInfo& info) {
  torch::Tensor t = tensor_from_js(info.Env(), info[0], "tensor");
  return tensor_to_js(info.Env(), t);
}

// nativeDefaults(): the C++ option structs' own defaults under their lib/
// names, for the test that holds them against lib/config's *_DEFAULTS.
Napi::Value NativeDefaults(const Napi::CallbackInfo& info) { return native_defaults(info.Env()); }

// convCheck({ path, inChannels, outChannels, kernel, stride, padding, size, seed }):
// the errors of a float32 convolution path against a float64 conv2d; for the
// tests of native/models/safe_conv.h.
Napi::Value ConvCheckOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  try {
    Napi::Object o = as_object(env, info[0], "convCheck options");
    gentorch::ConvCheckShape shape{get_int(o, "inChannels", 32), get_int(o, "outChannels", 1), get_int(o, "kernel", 3),
                                   get_int(o, "stride", 1), get_int(o, "padding", 1)};
    shape.size = get_int(o, "size", 12);
    const gentorch::ConvCheck c =
        gentorch::conv_check(get_string(o, "path", "module"), shape, static_cast<uint64_t>(get_int(o, "seed", 1)));
    Napi::Object out = Napi::Object::New(env);
    out.Set("forward", c.forward);
    out.Set("gradInput", c.grad_input);
    out.Set("gradWeight", c.grad_weight);
    out.Set("gradBias", c.grad_bias);
    return out;
  } catch (const Napi::Error&) {
    throw;
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

}  // namespace

// releaseMemory(): hands the heap that freed tensors left behind back to the
// system (glibc's malloc_trim), so the resident size of the next phase of a
// comparison is its own and not the high-water mark of the one before.
// Returns whether anything was released; false where there is no glibc.
Napi::Value ReleaseMemory(const Napi::CallbackInfo& info) {
#if defined(__GLIBC__)
  return Napi::Boolean::New(info.Env(), malloc_trim(0) == 1);
#else
  return Napi::Boolean::New(info.Env(), false);
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  Napi::Function vae = VaeHandle::Define(env);
  data->vae_class = Napi::Persistent(vae);
  exports.Set("VaeHandle", vae);
  Napi::Function text_vae = TextVaeHandle::Define(env);
  data->text_vae_class = Napi::Persistent(text_vae);
  exports.Set("TextVaeHandle", text_vae);
  Napi::Function text_gan = TextGanHandle::Define(env);
  data->text_gan_class = Napi::Persistent(text_gan);
  exports.Set("TextGanHandle", text_gan);
  Napi::Function gan = GanHandle::Define(env);
  data->gan_class = Napi::Persistent(gan);
  exports.Set("GanHandle", gan);
  Napi::Function translator = TranslatorHandle::Define(env);
  data->translator_class = Napi::Persistent(translator);
  exports.Set("TranslatorHandle", translator);
  Napi::Function classifier = ClassifierHandle::Define(env);
  data->classifier_class = Napi::Persistent(classifier);
  exports.Set("ClassifierHandle", classifier);
  exports.Set("frechetDistance", Napi::Function::New(env, FrechetDistance));
  exports.Set("precisionRecall", Napi::Function::New(env, PrecisionRecallOf));
  exports.Set("frechetBootstrap", Napi::Function::New(env, FrechetBootstrap));
  exports.Set("kernelDistance", Napi::Function::New(env, KernelDistance));
  exports.Set("setErrorClass", Napi::Function::New(env, SetErrorClass));
  exports.Set("runtimeInfo", Napi::Function::New(env, RuntimeInfo));
  exports.Set("setThreads", Napi::Function::New(env, SetThreads));
  exports.Set("checkDevice", Napi::Function::New(env, CheckDevice));
  exports.Set("tensorRoundTrip", Napi::Function::New(env, TensorRoundTrip));
  exports.Set("nativeDefaults", Napi::Function::New(env, NativeDefaults));
  exports.Set("convCheck", Napi::Function::New(env, ConvCheckOf));
  exports.Set("releaseMemory", Napi::Function::New(env, ReleaseMemory));
  return exports;
}

}  // namespace gentorch::binding

static Napi::Object InitGentorch(Napi::Env env, Napi::Object exports) { return gentorch::binding::Init(env, exports); }

NODE_API_MODULE(gentorch, InitGentorch)
