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

Napi::Value PrecisionRecallOf(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  torch::Tensor real = tensor_from_js(env, info[0], "real features");
  torch::Tensor fake = tensor_from_js(env, info[1], "generated features");
  const int64_t k = info[2].IsNumber() ? info[2].As<Napi::Number>().Int64Value() : 0;
  return start_job(
      env, std::make_shared<std::atomic<bool>>(false), env.Undefined(),
      [real, fake, k](JobContext&) -> Finisher {
        const PrecisionRecall pr = precision_recall(real, fake, k);
        return [pr](Napi::Env env) {
          Napi::Object out = Napi::Object::New(env);
          out.Set("precision", pr.precision);
          out.Set("recall", pr.recall);
          return out;
        };
      },
      []() {});
}

}  // namespace gentorch::binding
