#include "metrics.h"

#include <atomic>
#include <memory>

#include "../metrics/feature_metrics.h"
#include "bridge.h"
#include "errors.h"
#include "job.h"

namespace gentorch::binding {

Napi::Value FrechetDistance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor a = tensor_from_js(env, info[0], "features a");
  torch::Tensor b = tensor_from_js(env, info[1], "features b");
  try {
    return Napi::Number::New(env, frechet_distance(a, b));
  } catch (...) {
    Failure f = current_failure();
    throw_error(env, f.code, f.message);
  }
}

namespace {
// A metric computed on a job thread (bootstraps and k-NN take seconds); the
// result object built on the main thread.
template <class Compute, class Build>
Napi::Value metric_job(Napi::Env env, Compute compute, Build build) {
  return start_job(
      env, std::make_shared<std::atomic<bool>>(false), env.Undefined(),
      [compute, build](JobContext&) -> Finisher {
        auto value = compute();
        return [value, build](Napi::Env env) -> Napi::Value {
          Napi::Object out = Napi::Object::New(env);
          build(out, value);
          return out;
        };
      },
      []() {});
}

int64_t int_arg(const Napi::CallbackInfo& info, size_t i) {
  return info[i].IsNumber() ? info[i].As<Napi::Number>().Int64Value() : 0;
}
}  // namespace

// precisionRecall(real, fake, k, rounds, seed): { precision, recall, precisionLow, ... }
Napi::Value PrecisionRecallOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor real = tensor_from_js(env, info[0], "real features");
  torch::Tensor fake = tensor_from_js(env, info[1], "generated features");
  const int64_t k = int_arg(info, 2), rounds = int_arg(info, 3);
  const auto seed = static_cast<uint64_t>(int_arg(info, 4));
  return metric_job(
      env, [=]() { return precision_recall(real, fake, k, rounds, seed); },
      [](Napi::Object& out, const PrecisionRecall& pr) {
        out.Set("precision", pr.precision);
        out.Set("recall", pr.recall);
        out.Set("precisionLow", pr.precision_low);
        out.Set("precisionHigh", pr.precision_high);
        out.Set("recallLow", pr.recall_low);
        out.Set("recallHigh", pr.recall_high);
      });
}

// frechetBootstrap(a, b, rounds, seed): { low, high }
Napi::Value FrechetBootstrap(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor a = tensor_from_js(env, info[0], "features a");
  torch::Tensor b = tensor_from_js(env, info[1], "features b");
  const int64_t rounds = int_arg(info, 2);
  const auto seed = static_cast<uint64_t>(int_arg(info, 3));
  return metric_job(
      env, [=]() { return frechet_bootstrap(a, b, rounds, seed); },
      [](Napi::Object& out, const Interval& iv) {
        out.Set("low", iv.low);
        out.Set("high", iv.high);
      });
}

// kernelDistance(a, b, subsets, subsetSize, seed): { kid, low, high }
Napi::Value KernelDistance(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor a = tensor_from_js(env, info[0], "features a");
  torch::Tensor b = tensor_from_js(env, info[1], "features b");
  const int64_t subsets = int_arg(info, 2), size = int_arg(info, 3);
  const auto seed = static_cast<uint64_t>(int_arg(info, 4));
  return metric_job(
      env, [=]() { return kernel_distance(a, b, subsets, size, seed); },
      [](Napi::Object& out, const Kid& kid) {
        out.Set("kid", kid.mean);
        out.Set("low", kid.low);
        out.Set("high", kid.high);
      });
}

}  // namespace gentorch::binding
