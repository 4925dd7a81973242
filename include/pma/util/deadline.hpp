#pragma once

#include <chrono>
#include <optional>

// A time by which the work of the current thread must end, whatever it waits
// for: every request the thread sends is cut when it passes. Cleanup after
// Ctrl-C or --timeout runs under one, so that a host that hangs costs the
// budget and no more.
namespace pma::util::deadline {

using Clock = std::chrono::steady_clock;

// The current thread's deadline, if one is set.
std::optional<Clock::time_point> current();

// The earlier of `other` and the thread's deadline.
std::optional<Clock::time_point> earliest(std::optional<Clock::time_point> other);

// Sets the thread's deadline for its lifetime (the earlier one wins when
// scopes nest), restoring the previous one after.
class Scope {
public:
  explicit Scope(Clock::time_point until);
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  ~Scope();

private:
  std::optional<Clock::time_point> m_previous;
};

} // namespace pma::util::deadline
