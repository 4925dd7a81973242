#include <pma/util/interrupt.hpp>
#include <pma/util/retry.hpp>

#include <fmt/format.h>

#include <cmath>
#include <random>

namespace pma::util {

bool
is_transient(const Error& error)
{
  if (error.connection_lost()) {
    return true;
  }
  // A peer's answer (api, registry) or a broken exchange (protocol) is worth
  // another try only where its maker said so.
  const bool answered =
      error.cls == ErrorClass::api || error.cls == ErrorClass::registry || error.cls == ErrorClass::protocol;
  return answered && error.transient;
}

std::chrono::milliseconds
backoff(const RetryPolicy& policy, const int attempt, const double jitter)
{
  const double base = static_cast<double>(policy.delay.count()) * std::pow(2.0, attempt - 1);
  return std::chrono::milliseconds(static_cast<int64_t>(std::llround(base * (1.0 + 0.25 * jitter))));
}

Result<void>
with_retries(const RetryPolicy& policy, const std::string_view what, const std::function<Result<void>()>& attempt,
             const std::function<void(int, const std::string&)>& on_retry)
{
  std::mt19937 random(std::random_device{}());
  std::uniform_real_distribution<double> jitter(-1.0, 1.0);
  for (int retry = 1;; ++retry) {
    auto result = attempt();
    if (result || retry > policy.retries || !is_transient(result.error()) || interrupt::requested()) {
      return result;
    }
    const auto wait = backoff(policy, retry, jitter(random));
    on_retry(retry, fmt::format("{} failed ({}); retry {}/{} in {:.1f} s", what, result.error().message, retry,
                                policy.retries, static_cast<double>(wait.count()) / 1000.0));
    if (!interrupt::sleep_for(wait)) {
      return result;
    }
  }
}

} // namespace pma::util
