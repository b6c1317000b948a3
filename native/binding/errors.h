// The one place where C++ failures become JS errors. Every exception that
// leaves the core, a c10::Error included, is turned into a GentorchError with
// a stable code and a message without C++ file names or backtraces.
#pragma once

#include <napi.h>

#include <string>

namespace gentorch::binding {

struct Failure {
  std::string code;
  std::string message;
};

// Call inside a catch block: classifies the exception being handled.
Failure current_failure();

// A GentorchError (the class lib/ registered at load) with `code`.
Napi::Error make_error(Napi::Env env, const std::string& code, const std::string& message);

// Throws a GentorchError from a synchronous binding call.
[[noreturn]] void throw_error(Napi::Env env, const std::string& code, const std::string& message);

}  // namespace gentorch::binding
