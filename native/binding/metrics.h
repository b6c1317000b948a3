// The feature metrics of native/metrics/feature_metrics.h, for lib/compare/metrics.ts.
#pragma once

#include <napi.h>

namespace gentorch::binding {

// frechetDistance({data, shape}, {data, shape}): FID's distance between two feature sets.
Napi::Value FrechetDistance(const Napi::CallbackInfo& info);
// On job threads: precisionRecall(real, fake, k, rounds, seed) -> Promise<{ precision, recall, and their
// bootstrap intervals }>; frechetBootstrap(a, b, rounds, seed) -> { low, high }; kernelDistance(a, b,
// subsets, subsetSize, seed) -> { kid, low, high }.
Napi::Value PrecisionRecallOf(const Napi::CallbackInfo& info);
Napi::Value FrechetBootstrap(const Napi::CallbackInfo& info);
Napi::Value KernelDistance(const Napi::CallbackInfo& info);

}  // namespace gentorch::binding
