#include <pma/util/strings.hpp>

#include <doctest/doctest.h>

using namespace pma::util;

TEST_SUITE_BEGIN("util");

TEST_CASE("util::split")
{
  CHECK(split("a,b,,c", ',') == std::vector<std::string>{"a", "b", "", "c"});
  CHECK(split("", ',') == std::vector<std::string>{""});
}

TEST_CASE("util::trim")
{
  CHECK(trim("  x y \n") == "x y");
  CHECK(trim("   ").empty());
}

TEST_CASE("util::edit_distance")
{
  CHECK(edit_distance("kitten", "sitting") == 3);
  CHECK(edit_distance("", "abc") == 3);
  CHECK(edit_distance("same", "same") == 0);
}

TEST_CASE("util::did_you_mean")
{
  const std::vector<std::string> commands = {"build", "hosts", "manifest", "inspect", "version"};
  CHECK(did_you_mean("biuld", commands) == ", did you mean 'build'?");
  CHECK(did_you_mean("host", commands) == ", did you mean 'hosts'?");
  CHECK(did_you_mean("xyzzy", commands).empty());
  SUBCASE("option names")
  {
    const std::vector<std::string> options = {"--platform", "--host", "--tag"};
    CHECK(did_you_mean("--platfrom", options) == ", did you mean '--platform'?");
    CHECK(did_you_mean("--pl", options) == ", did you mean '--platform'?");
  }
}

TEST_SUITE_END();
