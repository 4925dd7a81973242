#include <pma/util/retry.hpp>

#include <doctest/doctest.h>

using namespace pma::util;
using namespace std::chrono_literals;

TEST_SUITE_BEGIN("util");

TEST_CASE("util::is_transient: the class, and the flag of the error's maker")
{
  CHECK(is_transient(Error(ErrorClass::connect, "cannot connect")));
  CHECK(is_transient(Error(ErrorClass::timeout, "no data")));
  CHECK(is_transient(Error(ErrorClass::api, "push failed (HTTP 503)").with_transient()));
  CHECK(is_transient(Error(ErrorClass::registry, "the registry answered 502").with_transient()));
  CHECK(is_transient(Error(ErrorClass::protocol, "the stream ended early").with_transient()));
  // The text alone no longer decides: only the code that made the error knows.
  CHECK_FALSE(is_transient(Error(ErrorClass::api, "received unexpected HTTP status: 502 Bad Gateway")));
  CHECK_FALSE(is_transient(Error(ErrorClass::protocol, "push to r/app ended without reporting a digest")));
  CHECK_FALSE(is_transient(Error(ErrorClass::api, "manifest unknown")));
  // Classes that trying again never helps stay so, flag or not.
  CHECK_FALSE(is_transient(Error(ErrorClass::auth, "unauthorized: 503 whatever").with_transient()));
  CHECK_FALSE(is_transient(Error(ErrorClass::usage, "connection refused").with_transient()));
  CHECK_FALSE(is_transient(Error(ErrorClass::interrupted, "interrupted").with_transient()));
}

TEST_CASE("util::with_retries retries what its maker marked transient")
{
  const RetryPolicy policy{.retries = 2, .delay = 1ms};
  int calls = 0;
  const auto result = with_retries(
      policy, "x",
      [&]() -> Result<void> {
        ++calls;
        return Unexpected(Error(ErrorClass::api, "push failed (HTTP 503)").with_transient(calls < 2));
      },
      [](int, const std::string&) {});
  CHECK_FALSE(result);
  CHECK(calls == 2); // the second answer was not marked: no third try
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
