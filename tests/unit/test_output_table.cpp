#include <pma/output/table.hpp>

#include <doctest/doctest.h>

using namespace pma::output;

TEST_SUITE_BEGIN("output");

TEST_CASE("output::Table")
{
  Table table({"NAME", "STATUS", "LATENCY"});
  table.add_row({"amd64", "ok", "1.2ms"});
  table.add_row({"power9-long", "error (connect)", "-"});
  CHECK(table.render() == "NAME         STATUS           LATENCY\n"
                          "amd64        ok               1.2ms\n"
                          "power9-long  error (connect)  -\n");
}

TEST_CASE("output::display_width counts code points")
{
  CHECK(display_width("sha256:3f1c…") == 12);
}

TEST_SUITE_END();
