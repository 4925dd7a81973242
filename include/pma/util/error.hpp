#pragma once

#include <expected>
#include <string>
#include <utility>

namespace pma::util {

// What went wrong, coarsely. The class alone decides the exit code and whether
// trying again could help; the message says the rest.
enum class ErrorClass {
  usage,       // bad command line
  config,      // bad configuration file or environment
  connect,     // host unreachable: refused, missing socket, DNS, reset
  ssh_auth,    // SSH server refused our keys
  ssh_hostkey, // SSH host key unknown or changed
  timeout,     // no answer in time
  protocol,    // the peer answered something we cannot understand
  api,         // the podman service answered with an error
  auth,        // registry credentials missing or refused
  interrupted, // Ctrl-C / SIGTERM
  internal,    // a bug in podman-multiarch
};

// Stable lowercase name of `cls`, as shown in messages and JSON output.
const char* to_string(ErrorClass cls);

struct Error {
  ErrorClass cls = ErrorClass::internal;
  std::string message;
  std::string host;     // configured host name the error concerns, if any
  std::string platform; // platform the error concerns, if any
  std::string hint;     // what the user can do next, if we know

  // "host power9 (linux/ppc64le): <message> — <hint>"
  std::string describe() const;

  Error&& with_host(std::string name) &&;
  Error&& with_hint(std::string text) &&;
};

template<typename T> using Result = std::expected<T, Error>;
using Unexpected = std::unexpected<Error>;

inline Unexpected
fail(ErrorClass cls, std::string message)
{
  return Unexpected(Error{cls, std::move(message), {}, {}, {}});
}

// Exit status for a failure of class `cls` (DESIGN.md "Exit codes").
int exit_code_for(ErrorClass cls);

// Whether repeating the same operation may succeed (network-level classes).
bool is_retryable(ErrorClass cls);

} // namespace pma::util
