// Per-addon state: one instance per Node environment (main thread or worker
// thread), owned by the environment and freed with it; never globals.
#pragma once

#include <napi.h>

#include <memory>
#include <mutex>
#include <set>

namespace gentorch::binding {

struct JobState;

struct AddonData {
  Napi::FunctionReference error_class;  // lib/errors.ts GentorchError, set once by the loader
  Napi::FunctionReference vae_class;
  Napi::FunctionReference text_vae_class;
  Napi::FunctionReference text_gan_class;
  Napi::FunctionReference gan_class;
  Napi::FunctionReference classifier_class;
  Napi::FunctionReference translator_class;
  // Jobs whose threads are still running; joined at environment teardown so
  // no thread outlives the addon.
  std::set<std::shared_ptr<JobState>> jobs;
  ~AddonData();
};

}  // namespace gentorch::binding
