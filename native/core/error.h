// Core error type. The C++ core reports every expected failure as a
// gentorch::Error carrying one of the stable codes of lib/errors.ts; the
// binding (native/binding/errors.cc) is the one place that turns it, and any
// other exception (c10::Error included), into a JS GentorchError.
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace gentorch {

class Error : public std::runtime_error {
 public:
  Error(std::string code, const std::string& message) : std::runtime_error(message), code_(std::move(code)) {}
  const std::string& code() const noexcept { return code_; }

 private:
  std::string code_;
};

// Builds a message from streamable parts: fail("E_CONFIG", "bad ", x).
template <typename... Parts>
[[noreturn]] void fail(const std::string& code, const Parts&... parts) {
  std::ostringstream out;
  (out << ... << parts);
  throw Error(code, out.str());
}

}  // namespace gentorch
