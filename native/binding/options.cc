#include "options.h"

#include <cmath>

#include "errors.h"

namespace gentorch::binding {

int64_t get_int(const Napi::Object& obj, const char* key, int64_t fallback) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return fallback;
  double d = v.IsNumber() ? v.As<Napi::Number>().DoubleValue() : NAN;
  if (!std::isfinite(d) || d != std::floor(d) || std::fabs(d) > 9.0e15) {
    throw_error(obj.Env(), "E_CONFIG", std::string("Expected integer for ") + key);
  }
  return static_cast<int64_t>(d);
}

double get_number(const Napi::Object& obj, const char* key, double fallback) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsNumber()) throw_error(obj.Env(), "E_CONFIG", std::string("Expected number for ") + key);
  return v.As<Napi::Number>().DoubleValue();
}

std::string get_string(const Napi::Object& obj, const char* key, const std::string& fallback) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsString()) throw_error(obj.Env(), "E_CONFIG", std::string("Expected string for ") + key);
  return v.As<Napi::String>().Utf8Value();
}

bool get_bool(const Napi::Object& obj, const char* key, bool fallback) {
  Napi::Value v = obj.Get(key);
  if (v.IsUndefined()) return fallback;
  return v.ToBoolean().Value();
}

Napi::Object as_object(Napi::Env env, const Napi::Value& value, const char* what) {
  if (!value.IsObject()) throw_error(env, "E_CONFIG", std::string("Expected an object for ") + what);
  return value.As<Napi::Object>();
}

std::optional<DistOptions> get_distributed(const Napi::Object& obj) {
  Napi::Value v = obj.Get("distributed");
  if (v.IsUndefined() || v.IsNull()) return std::nullopt;
  Napi::Object d = as_object(obj.Env(), v, "distributed");
  DistOptions o;
  o.rank = get_int(d, "rank", o.rank);
  o.world_size = get_int(d, "worldSize", o.world_size);
  o.master_addr = get_string(d, "masterAddr", o.master_addr);
  o.master_port = get_int(d, "masterPort", o.master_port);
  o.timeout_seconds = get_number(d, "timeoutSeconds", o.timeout_seconds);
  o.agent_store = get_bool(d, "agentStore", o.agent_store);
  return o;
}

}  // namespace gentorch::binding
