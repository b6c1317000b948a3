#include "job.h"

#include <algorithm>
#include <chrono>

#include "addon.h"
#include "errors.h"

namespace gentorch::binding {

uint64_t EventGate::sent(int64_t due) {
  std::lock_guard<std::mutex> lock(mu_);
  due_.emplace_back(++sent_, due);
  return sent_;
}

void EventGate::answered(uint64_t seq, bool stop) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    answered_ = std::max(answered_, seq);
    stop_ = stop_ || stop;
    while (!due_.empty() && due_.front().first <= answered_) due_.pop_front();
  }
  cv_.notify_all();
}

void EventGate::hold() {
  std::lock_guard<std::mutex> lock(mu_);
  ++holds_;
}

void EventGate::release() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    --holds_;
  }
  cv_.notify_all();
}

bool EventGate::wait(int64_t step, const std::function<bool()>& cancelled) {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    bool waiting = holds_ > 0;
    for (const auto& d : due_) waiting = waiting || d.second <= step;
    if (!waiting) return stop_;
    if (cancelled()) return false;  // the loop's cancellation check ends the fit
    // Cancellation is a plain flag (cancel(), dispose(), teardown): poll it.
    cv_.wait_for(lock, std::chrono::milliseconds(5));
  }
}

namespace {
// onEvent's answer to a gated event: a promise to hold the thread for, a clean stop.
void read_answer(Napi::Env env, Napi::Value reply, const std::shared_ptr<JobState>& state, bool* stop) {
  if (!reply.IsObject()) return;
  Napi::Object o = reply.As<Napi::Object>();
  *stop = o.Get("stop").ToBoolean().Value();
  Napi::Value hold = o.Get("hold");
  if (!hold.IsObject()) return;
  Napi::Value then = hold.As<Napi::Object>().Get("then");
  if (!then.IsFunction()) return;
  state->gate.hold();
  try {
    auto release = Napi::Function::New(env, [state](const Napi::CallbackInfo&) { state->gate.release(); });
    then.As<Napi::Function>().Call(hold, {release, release});
  } catch (const Napi::Error&) {
    state->gate.release();  // never hold the thread on a promise we could not watch
  }
}
}  // namespace

void JobContext::emit(Finisher event, int64_t due) {
  auto state = state_;
  const uint64_t seq = due >= 0 ? state->gate.sent(due) : 0;
  const napi_status status =
      state->tsfn.BlockingCall([state, seq, event = std::move(event)](Napi::Env env, Napi::Function callback) {
        bool stop = false;
        if (env != nullptr && !callback.IsEmpty()) {  // else the environment is shutting down
          try {
            Napi::Value reply = callback.Call({event(env)});
            if (seq > 0) read_answer(env, reply, state, &stop);
          } catch (const Napi::Error&) {
            // lib/ wraps user callbacks so they cannot throw; nothing to propagate to.
          }
        }
        if (seq > 0) state->gate.answered(seq, stop);
      });
  if (status != napi_ok && seq > 0) state->gate.answered(seq, false);  // never delivered: wait for nothing
}

bool JobContext::wait_gate(int64_t step) {
  return state_->gate.wait(step, [this]() { return cancelled(); });
}

namespace {
void settle(Napi::Env env, const std::shared_ptr<JobState>& state, const Finisher& result, const Failure* failure) {
  if (state->thread.joinable()) state->thread.join();  // the thread is past its last call
  if (auto* data = env.GetInstanceData<AddonData>()) data->jobs.erase(state);
  if (state->on_settle) state->on_settle();
  if (failure != nullptr) {
    state->deferred.Reject(make_error(env, failure->code, failure->message).Value());
    return;
  }
  try {
    state->deferred.Resolve(result(env));
  } catch (const Napi::Error& e) {
    state->deferred.Reject(e.Value());
  } catch (...) {
    Failure f = current_failure();
    state->deferred.Reject(make_error(env, f.code, f.message).Value());
  }
}
}  // namespace

Napi::Promise start_job(Napi::Env env, std::shared_ptr<std::atomic<bool>> cancel, Napi::Value on_event,
                        std::function<Finisher(JobContext&)> work, std::function<void()> on_settle) {
  auto state = std::make_shared<JobState>(env);
  state->cancel = std::move(cancel);
  state->on_settle = std::move(on_settle);
  Napi::Function callback = on_event.IsFunction() ? on_event.As<Napi::Function>()
                                                  : Napi::Function::New(env, [](const Napi::CallbackInfo&) {});
  state->tsfn = Napi::ThreadSafeFunction::New(env, callback, "gentorch.job", 0, 1);
  env.GetInstanceData<AddonData>()->jobs.insert(state);
  Napi::Promise promise = state->deferred.Promise();
  state->thread = std::thread([state, work = std::move(work)]() {
    Finisher result;
    std::unique_ptr<Failure> failure;
    try {
      JobContext ctx(state);
      result = work(ctx);
    } catch (...) {
      failure = std::make_unique<Failure>(current_failure());
    }
    auto shared_failure = std::shared_ptr<Failure>(std::move(failure));
    state->tsfn.BlockingCall([state, result, shared_failure](Napi::Env env, Napi::Function) {
      if (env == nullptr) return;
      settle(env, state, result, shared_failure.get());
    });
    state->tsfn.Release();
  });
  return promise;
}

AddonData::~AddonData() {
  // Environment teardown: stop every running job and wait for its thread.
  for (const auto& job : jobs) {
    job->cancel->store(true);
  }
  for (const auto& job : jobs) {
    if (job->thread.joinable()) job->thread.join();
  }
}

}  // namespace gentorch::binding
