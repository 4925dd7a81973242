#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>

namespace pma::util {

// What went wrong, coarsely. The class alone decides the exit code and whether
// trying again could help; the message says the rest.
enum class ErrorClass {
  usage,       // bad command line
  config,      // bad configuration file or environment
  connect,     // host unreachable: refused, missing socket, DNS, reset
  tls,         // a peer's TLS certificate is not trusted (trying again will not help)
  ssh_auth,    // SSH server refused our keys
  ssh_hostkey, // SSH host key unknown or changed
  timeout,     // no answer in time
  protocol,    // the peer answered something we cannot understand
  api,         // the podman service answered with an error
  auth,        // registry credentials missing or refused
  registry,    // a registry answered with an error (no such tag, 5xx, …)
  interrupted, // Ctrl-C / SIGTERM
  internal,    // a bug in podman-multiarch
};

// Stable lowercase name of `cls`, as shown in messages and JSON output.
const char* to_string(ErrorClass cls);

struct Error {
  Error() = default;
  Error(ErrorClass error_class, std::string text, std::string next_step = {})
    : cls(error_class)
    , message(std::move(text))
    , hint(std::move(next_step))
  {
  }

  ErrorClass cls = ErrorClass::internal;
  std::string message;
  std::string host;     // configured host name the error concerns, if any
  std::string platform; // platform the error concerns, if any
  std::string hint;     // what the user can do next, if we know
  // Whether trying again may help, as the code that made the error knows it
  // (a stream cut short, a registry's 5xx or 429 that podman relays); read by
  // util::is_transient with the class.
  bool transient = false;

  // "host power9 (linux/ppc64le): <message> — <hint>", with every secret
  // registered with util::redact hidden.
  std::string describe() const;

  // The peer could not be reached, went away or went silent (connect, timeout).
  bool
  connection_lost() const
  {
    return cls == ErrorClass::connect || cls == ErrorClass::timeout;
  }

  Error&& with_host(std::string name) &&;
  Error&& with_hint(std::string text) &&;
  Error&& with_transient(bool value = true) &&;
};

// The failure side of a Result, as std::unexpected is for std::expected.
class Unexpected {
public:
  explicit Unexpected(Error error)
    : m_error(std::move(error))
  {
  }
  Error&
  error() &
  {
    return m_error;
  }
  Error&&
  error() &&
  {
    return std::move(m_error);
  }

private:
  Error m_error;
};

namespace detail {

// The error side shared by Result<T> and Result<void>.
class ResultError {
public:
  // clang-format off
  Error& error() & { return *m_error; }
  const Error& error() const& { return *m_error; }
  Error&& error() && { return std::move(*m_error); }
  // clang-format on

protected:
  ResultError() = default;
  explicit ResultError(Unexpected failure)
    : m_error(std::move(failure).error())
  {
  }

  std::optional<Error> m_error;
};

} // namespace detail

// A value or an Error: the subset of std::expected<T, Error> this project
// uses. Our own, so that the code also builds with clang 14 (libFuzzer and
// sanitizers), whose libstdc++ <expected> is unavailable.
template <typename T> class [[nodiscard]] Result : public detail::ResultError {
public:
  template <typename U = T>
  requires(std::is_constructible_v<T, U&&> && !std::is_same_v<std::remove_cvref_t<U>, Result> &&
           !std::is_same_v<std::remove_cvref_t<U>, Unexpected>) Result(U&& value) // NOLINT(google-explicit-constructor)
    : m_value(std::forward<U>(value))
  {
  }
  Result(Unexpected failure) // NOLINT(google-explicit-constructor)
    : ResultError(std::move(failure))
  {
  }

  // clang-format off
  bool has_value() const { return m_value.has_value(); }
  explicit operator bool() const { return has_value(); }

  T& operator*() & { return *m_value; }
  const T& operator*() const& { return *m_value; }
  T&& operator*() && { return std::move(*m_value); }
  T* operator->() { return &*m_value; }
  const T* operator->() const { return &*m_value; }
  // clang-format on

private:
  std::optional<T> m_value;
};

template <> class [[nodiscard]] Result<void> : public detail::ResultError {
public:
  Result() = default;
  Result(Unexpected failure) // NOLINT(google-explicit-constructor)
    : ResultError(std::move(failure))
  {
  }

  // clang-format off
  bool has_value() const { return !m_error.has_value(); }
  explicit operator bool() const { return has_value(); }
  // clang-format on
};

inline Unexpected
fail(ErrorClass cls, std::string message)
{
  return Unexpected(Error(cls, std::move(message)));
}

// The process's exit status (podman-multiarch(1), EXIT STATUS): stable, for
// pipelines that branch on it.
enum class ExitStatus : int {
  success = 0,
  failure = 1,           // any error not listed below
  usage = 2,             // bad command line or configuration; a refusal before publishing
  partial = 3,           // --allow-partial published without some platforms
  nothing_published = 4, // platforms failed: no tag moved
  would_build = 5,       // --check: something would be built
  interrupted = 130,     // Ctrl-C / SIGTERM
};

constexpr int
to_int(const ExitStatus status)
{
  return static_cast<int>(status);
}

// Exit status for a failure of class `cls`.
ExitStatus exit_status_for(ErrorClass cls);

} // namespace pma::util

// `PMA_TRY(expr)`: returns the error of the Result `expr` from the enclosing
// function (which returns a Result too), as ccache's TRY does.
#define PMA_TRY(expr)                                                                                                  \
  do {                                                                                                                 \
    if (auto pma_try_result_ = (expr); !pma_try_result_) {                                                             \
      return ::pma::util::Unexpected(std::move(pma_try_result_).error());                                              \
    }                                                                                                                  \
  } while (false)

// `PMA_TRY_ASSIGN(auto x, expr)`: declares (or assigns) `x` from the value of
// the Result `expr`, or returns its error from the enclosing function.
#define PMA_TRY_ASSIGN(target, expr) PMA_TRY_ASSIGN_IMPL(target, expr, PMA_TRY_CONCAT(pma_try_, __LINE__))
#define PMA_TRY_CONCAT(a, b) PMA_TRY_CONCAT_IMPL(a, b)
#define PMA_TRY_CONCAT_IMPL(a, b) a##b
// NOLINTBEGIN(bugprone-macro-parentheses): `target` is a declaration, `tmp` a name
#define PMA_TRY_ASSIGN_IMPL(target, expr, tmp)                                                                         \
  auto tmp = (expr);                                                                                                   \
  if (!tmp) {                                                                                                          \
    return ::pma::util::Unexpected(std::move(tmp).error());                                                            \
  }                                                                                                                    \
  target = std::move(*tmp)
// NOLINTEND(bugprone-macro-parentheses)
