#include <pma/util/retry.hpp>

#include <doctest/doctest.h>

using namespace pma::util;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("util");

TEST_CASE("util::is_transient")
{
  CHECK(is_transient(Error(ErrorClass::connect, "cannot connect")));
  CHECK(is_transient(Error(ErrorClass::timeout, "no data")));
  CHECK(is_transient(Error(ErrorClass::api, "pinging container registry: dial tcp: connect: connection refused")));
  CHECK(is_transient(Error(ErrorClass::api, "received unexpected HTTP status: 502 Bad Gateway")));
  CHECK(is_transient(Error(ErrorClass::registry, "toomanyrequests: slow down")));
  CHECK_FALSE(is_transient(Error(ErrorClass::auth, "unauthorized: 503 whatever")));
  CHECK_FALSE(is_transient(Error(ErrorClass::api, "manifest unknown")));
  CHECK_FALSE(is_transient(Error(ErrorClass::usage, "connection refused")));
}

TEST_CASE("util::backoff doubles with bounded jitter")
{
  const RetryPolicy policy{.retries = 3, .delay = 1000ms};
  CHECK(backoff(policy, 1, 0.0) == 1000ms);
  CHECK(backoff(policy, 2, 0.0) == 2000ms);
  CHECK(backoff(policy, 3, 1.0) == 5000ms);
  CHECK(backoff(policy, 3, -1.0) == 3000ms);
}

TEST_CASE("util::with_retries stops at success, at a permanent error, or after the retries")
{
  const RetryPolicy policy{.retries = 2, .delay = 1ms};
  int calls = 0;
  std::vector<int> announced;
  std::string last;
  const auto note = [&](const int n, const std::string& message) {
    announced.push_back(n);
    last = message;
  };
  auto result = with_retries(
      policy, "pushing x",
      [&]() -> Result<void> { return ++calls < 3 ? fail(ErrorClass::connect, "reset") : Result<void>(); }, note);
  CHECK(result);
  CHECK(calls == 3);
  CHECK(announced == std::vector<int>{1, 2});
  CHECK(last.starts_with("pushing x failed (reset); retry 2/2 in 0.0"));

  calls = 0;
  result = with_retries(
      policy, "x", [&]() -> Result<void> { return ++calls, fail(ErrorClass::connect, "reset"); }, note);
  CHECK_FALSE(result);
  CHECK(calls == 3);

  calls = 0;
  result = with_retries(
      policy, "x", [&]() -> Result<void> { return ++calls, fail(ErrorClass::auth, "denied"); }, note);
  CHECK_FALSE(result);
  CHECK(calls == 1);
}

TEST_SUITE_END();
