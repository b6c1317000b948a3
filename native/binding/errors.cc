#include "errors.h"

#include <c10/util/Exception.h>

#include <new>

#include "../core/error.h"
#include "addon.h"

namespace gentorch::binding {

namespace {
// c10 messages carry "Exception raised from f at file.cpp:12" lines: keep the first line.
std::string first_line(const std::string& text) {
  auto end = text.find('\n');
  return end == std::string::npos ? text : text.substr(0, end);
}
}  // namespace

Failure current_failure() {
  try {
    throw;
  } catch (const gentorch::Error& e) {
    return {e.code(), e.what()};
  } catch (const c10::OutOfMemoryError& e) {
    return {"E_DEVICE", "Out of device memory: " + first_line(e.msg())};
  } catch (const c10::Error& e) {
    return {"E_INTERNAL", "libtorch failed: " + first_line(e.msg())};
  } catch (const std::bad_alloc&) {
    return {"E_INTERNAL", "Out of host memory"};
  } catch (const std::exception& e) {
    return {"E_INTERNAL", first_line(e.what())};
  } catch (...) {
    return {"E_INTERNAL", "An unknown native failure"};
  }
}

Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message) {
  AddonData* data = env.GetInstanceData<AddonData>();
  if (data != nullptr && !data->error_class.IsEmpty()) {
    Napi::Object err = data->error_class.New({Napi::String::New(env, code), Napi::String::New(env, message)});
    return Napi::Error(env, err);
  }
  Napi::Error err = Napi::Error::New(env, message);
  err.Set("code", Napi::String::New(env, code));
  return err;
}

void throw_error(Napi::Env env, const std::string& code, const std::string& message) {
  throw make_error(env, code, message);
}

}  // namespace gentorch::binding
