#include "job.h"

#include "addon.h"
#include "errors.h"

namespace gentorch::binding {

void JobContext::emit(Finisher event) {
  auto state = state_;
  state->tsfn.BlockingCall([event = std::move(event)](Napi::Env env, Napi::Function callback) {
    if (env == nullptr || callback.IsEmpty()) return;  // the environment is shutting down
    try {
      callback.Call({event(env)});
    } catch (const Napi::Error&) {
      // lib/ wraps user callbacks so they cannot throw; nothing to propagate to.
    }
  });
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
