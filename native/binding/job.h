// Long work runs on a thread the job owns (not libuv's pool, which it would
// starve for the length of a fit). The thread reports to JS through one
// ThreadSafeFunction: events in order, then the settlement of the Promise,
// which happens once. The JS-side completion joins the thread; environment
// teardown cancels and joins any job still running.
//
// A fit's progress and epoch events also steer its thread (EventGate): the
// thread may run ahead of JS by at most one step after a progress event and
// not at all after an epoch event until JS has answered it; the answer can
// hold the thread until a promise (an async callback) settles, or ask it to
// stop cleanly (early stopping). Cancellation is polled while it waits.
#pragma once

#include <napi.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>

namespace gentorch::binding {

// Builds a JS value on the main thread from results computed on the job thread.
using Finisher = std::function<Napi::Value(Napi::Env)>;

// Between the job thread (sent, wait) and the main thread (answered, hold, release).
class EventGate {
 public:
  // An event was sent whose answer the thread needs before it takes step
  // `due` + 1 (i.e. once it has taken `due` steps); returns its number.
  uint64_t sent(int64_t due);
  // JS answered event `seq` (events are answered in order); `stop` asks the fit to end cleanly.
  void answered(uint64_t seq, bool stop);
  // A promise the thread waits for before its next step; release() when it settles.
  void hold();
  void release();
  // On the job thread before a step, with `step` steps taken: waits while an
  // answer due by now is missing or a hold is on, returning early once
  // `cancelled`; true when JS asked for a clean stop.
  bool wait(int64_t step, const std::function<bool()>& cancelled);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t sent_ = 0, answered_ = 0;
  std::deque<std::pair<uint64_t, int64_t>> due_;  // unanswered events: number, steps taken when due
  int64_t holds_ = 0;
  bool stop_ = false;
};

struct JobState {
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
  std::thread thread;
  std::shared_ptr<std::atomic<bool>> cancel;
  std::function<void()> on_settle;  // runs on the main thread before the Promise settles
  EventGate gate;
  explicit JobState(Napi::Env env) : deferred(Napi::Promise::Deferred::New(env)) {}
};

class JobContext {
 public:
  explicit JobContext(std::shared_ptr<JobState> state) : state_(std::move(state)) {}
  bool cancelled() const { return state_->cancel->load(); }
  // Queues `event` for the JS onEvent callback; events arrive in order and
  // always before the Promise settles. With `due` >= 0 the thread waits for
  // onEvent's answer ({ hold?: PromiseLike, stop?: boolean }) once it has
  // taken `due` steps (wait_gate).
  void emit(Finisher event, int64_t due = -1);
  // Before a fit step: EventGate::wait with this job's cancellation.
  bool wait_gate(int64_t step);

 private:
  std::shared_ptr<JobState> state_;
};

// Starts `work` on a new thread and returns the Promise of its Finisher's
// value. A throw in `work` rejects with a GentorchError. `on_event` may be
// undefined. `on_settle` runs on the main thread just before settling.
Napi::Promise start_job(Napi::Env env, std::shared_ptr<std::atomic<bool>> cancel, Napi::Value on_event,
                        std::function<Finisher(JobContext&)> work, std::function<void()> on_settle);

}  // namespace gentorch::binding
