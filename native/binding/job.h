// Long work runs on a thread the job owns (not libuv's pool, which it would
// starve for the length of a fit). The thread reports to JS through one
// ThreadSafeFunction: events in order, then the settlement of the Promise,
// which happens once. The JS-side completion joins the thread; environment
// teardown cancels and joins any job still running.
#pragma once

#include <napi.h>

#include <atomic>
#include <functional>
#include <memory>
#include <thread>

namespace gentorch::binding {

// Builds a JS value on the main thread from results computed on the job thread.
using Finisher = std::function<Napi::Value(Napi::Env)>;

struct JobState {
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
  std::thread thread;
  std::shared_ptr<std::atomic<bool>> cancel;
  std::function<void()> on_settle;  // runs on the main thread before the Promise settles
  explicit JobState(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

class JobContext {
 public:
  explicit JobContext(std::shared_ptr<JobState> state) : state_(std::move(state)) {}
  bool cancelled() const { return state_->cancel->load(); }
  // Queues `event` for the JS onEvent callback; events arrive in order and
  // always before the Promise settles.
  void emit(Finisher event);

 private:
  std::shared_ptr<JobState> state_;
};

// Starts `work` on a new thread and returns the Promise of its Finisher's
// value. A throw in `work` rejects with a GentorchError. `on_event` may be
// undefined. `on_settle` runs on the main thread just before settling.
Napi::Promise start_job(Napi::Env env, std::shared_ptr<std::atomic<bool>> cancel, Napi::Value on_event,
                        std::function<Finisher(JobContext&)> work, std::function<void()> on_settle);

}  // namespace gentorch::binding
