// The feature metrics of native/metrics/feature_metrics.h, for lib/compare/metrics.ts.
#pragma once

#include <napi.h>

namespace gentorch::binding {

// frechetDistance({data, shape}, {data, shape}): FID's distance between two feature sets.
Napi::Value FrechetDistance(const Napi::CallbackInfo& info);
// precisionRecall(real, fake, k) -> Promise<{ precision, recall }>, on a job thread.
Napi::Value PrecisionRecallOf(const Napi::CallbackInfo& info);

}  // namespace gentorch::binding
