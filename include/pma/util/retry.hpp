#pragma once

#include <pma/util/error.hpp>

#include <chrono>
#include <functional>
#include <string_view>

namespace pma::util {

// --retry / --retry-delay: podman's defaults (3 retries, 2 s first delay).
struct RetryPolicy {
  int retries = 3;
  std::chrono::milliseconds delay{2000}; // doubled after each retry, ±25 % jitter
};

// Whether trying again may help: connection failures and timeouts (by
// class), and the api, registry and protocol errors whose maker marked them
// Error::transient (registry/server answers 429 or 5xx as podman reports
// them, a cut stream). Never auth, bad references or failed build steps.
bool is_transient(const Error& error);

// The wait before retry number `attempt` (1-based): delay × 2^(attempt-1),
// jittered by `jitter` in [-1, 1] × 25 %.
std::chrono::milliseconds backoff(const RetryPolicy& policy, int attempt, double jitter);

// Runs `attempt` until it succeeds, fails with an error that is not
// transient, the retries are used up, or Ctrl-C. Before each wait,
// `on_retry(n, message)` gets retry number n and "WHAT failed (…); retry n/N in 2.1 s".
Result<void> with_retries(const RetryPolicy& policy, std::string_view what,
                          const std::function<Result<void>()>& attempt,
                          const std::function<void(int, const std::string&)>& on_retry);

} // namespace pma::util
