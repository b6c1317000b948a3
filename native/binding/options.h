// Reading single values from lib/'s objects. The option structs go through
// fields.h, which requires every key; these take a fall-back and serve the
// small objects of state, distributed jobs and test hooks.
#pragma once

#include <napi.h>

#include <optional>
#include <string>

#include "../dist/data_parallel.h"

namespace gentorch::binding {

int64_t get_int(const Napi::Object& obj, const char* key, int64_t fallback);
double get_number(const Napi::Object& obj, const char* key, double fallback);
std::string get_string(const Napi::Object& obj, const char* key, const std::string& fallback);
bool get_bool(const Napi::Object& obj, const char* key, bool fallback);
Napi::Object as_object(Napi::Env env, const Napi::Value& value, const char* what);
// A fit's `distributed` option ({ rank, worldSize, masterAddr, masterPort,
// timeoutSeconds }, resolved by lib/models/distributed.ts), or none.
std::optional<DistOptions> get_distributed(const Napi::Object& obj);

}  // namespace gentorch::binding
