#include <pma/util/error.hpp>

#include <doctest/doctest.h>

#include <string>

using namespace pma::util;

namespace {

Result<int>
number(const bool ok)
{
  if (!ok) {
    return fail(ErrorClass::api, "no number");
  }
  return 42;
}

Result<std::string>
described(const bool ok)
{
  PMA_TRY_ASSIGN(const int n, number(ok));
  return std::to_string(n);
}

Result<void>
checked(const bool ok, int& reached)
{
  PMA_TRY(number(ok));
  reached = 1;
  std::string text;
  PMA_TRY_ASSIGN(text, described(ok));
  reached = 2;
  return {};
}

} // namespace

TEST_CASE("PMA_TRY_ASSIGN passes the value on, or returns the error")
{
  CHECK(*described(true) == "42");
  const auto failed = described(false);
  REQUIRE_FALSE(failed);
  CHECK(failed.error().cls == ErrorClass::api);
  CHECK(failed.error().message == "no number");
}

TEST_CASE("PMA_TRY returns at the first error")
{
  int reached = 0;
  CHECK(checked(true, reached));
  CHECK(reached == 2);
  reached = 0;
  CHECK_FALSE(checked(false, reached));
  CHECK(reached == 0);
}

TEST_CASE("exit status per error class")
{
  CHECK(exit_status_for(ErrorClass::usage) == ExitStatus::usage);
  CHECK(exit_status_for(ErrorClass::config) == ExitStatus::usage);
  CHECK(exit_status_for(ErrorClass::interrupted) == ExitStatus::interrupted);
  CHECK(exit_status_for(ErrorClass::connect) == ExitStatus::failure);
  CHECK(to_int(ExitStatus::nothing_published) == 4);
  CHECK(to_int(ExitStatus::partial) == 3);
}
