#include <pma/util/duration.hpp>

#include <doctest/doctest.h>

using namespace pma::util;
using std::chrono::milliseconds;

TEST_SUITE_BEGIN("util");

TEST_CASE("util::parse_duration")
{
  CHECK(*parse_duration("30s", "x") == milliseconds(30'000));
  CHECK(*parse_duration("500ms", "x") == milliseconds(500));
  CHECK(*parse_duration("1h30m", "x") == milliseconds(5'400'000));
  CHECK(*parse_duration("1.5s", "x") == milliseconds(1'500));
  CHECK(*parse_duration("10", "x") == milliseconds(10'000));

  SUBCASE("errors name the input and the option")
  {
    const auto bad = parse_duration("10 parsecs", "--timeout");
    REQUIRE_FALSE(bad);
    CHECK(bad.error().cls == ErrorClass::usage);
    CHECK(bad.error().message.find("'10 parsecs' for --timeout") != std::string::npos);
    CHECK_FALSE(parse_duration("", "x"));
    CHECK_FALSE(parse_duration("s", "x"));
    CHECK_FALSE(parse_duration("5d", "x"));
    CHECK_FALSE(parse_duration("1m5", "x"));
  }

  SUBCASE("huge values are refused, not overflowed (a fuzzing finding)")
  {
    const auto huge = parse_duration(std::string(34, '4'), "--timeout");
    REQUIRE_FALSE(huge);
    CHECK(huge.error().message.find("longer than a year") != std::string::npos);
    CHECK(*parse_duration("8760h", "x") == milliseconds(31'536'000'000));
  }
}

TEST_SUITE_END();
