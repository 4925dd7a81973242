#include <pma/cli/command.hpp>
#include <pma/job/plan.hpp>

#include <doctest/doctest.h>

using namespace pma::job;
using pma::oci::Platform;

TEST_SUITE_BEGIN("build");

namespace {

Platform
p(const char* text)
{
  return *Platform::parse(text);
}

HostCapacity
host(const char* name, std::vector<Platform> serves, bool declared = false)
{
  HostCapacity h;
  h.name = name;
  h.serves = std::move(serves);
  h.declared = declared;
  return h;
}

std::vector<std::string>
hosts_of(const Plan& plan)
{
  std::vector<std::string> out;
  for (const auto& a : plan.assignments) {
    out.push_back(a.platform.to_string() + "@" + a.host);
  }
  return out;
}

} // namespace

TEST_CASE("job::plan_platforms native first, deterministic")
{
  const std::vector<HostCapacity> hosts = {host("x86", {p("linux/amd64")}), host("pi", {p("linux/arm64")}),
                                           host("p9", {p("linux/ppc64le")}, true)};
  const auto platforms = served_platforms(hosts);
  CHECK(platforms == std::vector<Platform>{p("linux/amd64"), p("linux/arm64"), p("linux/ppc64le")});
  const auto plan = plan_platforms(platforms, hosts, Emulation::fallback);
  CHECK(plan.unassigned.empty());
  CHECK(hosts_of(plan) == std::vector<std::string>{"linux/amd64@x86", "linux/arm64/v8@pi", "linux/ppc64le@p9"});
  CHECK(plan.assignments[2].reason() == "declared");
  CHECK(plan.assignments[0].reason() == "native");
}

TEST_CASE("job::plan_platforms spreads work over hosts of the same platform")
{
  HostCapacity both_a = host("a", {p("linux/amd64"), p("linux/386")});
  HostCapacity both_b = host("b", {p("linux/amd64"), p("linux/386")});
  const auto plan = plan_platforms({p("linux/amd64"), p("linux/386")}, {both_a, both_b}, Emulation::never);
  CHECK(hosts_of(plan) == std::vector<std::string>{"linux/amd64@a", "linux/386@b"});
}

TEST_CASE("job::plan_platforms emulation")
{
  HostCapacity x86 = host("x86", {p("linux/amd64")});
  x86.emulated = std::vector<Platform>{p("linux/arm64"), p("linux/s390x")};
  HostCapacity old = host("old", {p("linux/amd64")}); // podman < 5.6: emulators unknown

  SUBCASE("never: a clear error naming the hosts considered")
  {
    const auto plan = plan_platforms({p("linux/s390x")}, {x86}, Emulation::never);
    REQUIRE(plan.unassigned.size() == 1);
    CHECK(plan.unassigned[0].error.message == "no host can build linux/s390x; considered: x86 (serves linux/amd64)");
    CHECK(plan.unassigned[0].error.platform == "linux/s390x");
  }
  SUBCASE("fallback: a host that reports the emulator, before one that cannot say")
  {
    const auto plan = plan_platforms({p("linux/s390x")}, {old, x86}, Emulation::fallback);
    REQUIRE(plan.assignments.size() == 1);
    CHECK(plan.assignments[0].host == "x86");
    CHECK(plan.assignments[0].reason() == "emulated");
  }
  SUBCASE("fallback: a host that cannot say is tried, and says so")
  {
    const auto plan = plan_platforms({p("linux/riscv64")}, {old, x86}, Emulation::fallback);
    REQUIRE(plan.assignments.size() == 1);
    CHECK(plan.assignments[0].host == "old");
    CHECK(plan.assignments[0].reason() == "emulated (emulator not reported by the host)");
  }
  SUBCASE("fallback never emulates where a native host exists")
  {
    const auto plan = plan_platforms({p("linux/amd64"), p("linux/amd64")}, {x86, old}, Emulation::fallback);
    CHECK(hosts_of(plan) == std::vector<std::string>{"linux/amd64@x86", "linux/amd64@old"});
    HostCapacity pi = host("pi", {p("linux/arm64")});
    const auto arm = plan_platforms({p("linux/arm64"), p("linux/arm64")}, {x86, pi}, Emulation::fallback);
    CHECK(hosts_of(arm) == std::vector<std::string>{"linux/arm64/v8@pi", "linux/arm64/v8@pi"});
    const auto spread = plan_platforms({p("linux/arm64"), p("linux/arm64")}, {x86, pi}, Emulation::always);
    CHECK(hosts_of(spread) == std::vector<std::string>{"linux/arm64/v8@pi", "linux/arm64/v8@x86"});
  }
  SUBCASE("unreachable hosts are skipped and named")
  {
    HostCapacity down = host("z15", {p("linux/s390x")});
    down.reachable = false;
    down.unreachable_reason = "cannot connect";
    const auto plan = plan_platforms({p("linux/s390x")}, {down}, Emulation::never);
    REQUIRE(plan.unassigned.size() == 1);
    CHECK(plan.unassigned[0].error.message.find("z15 (unreachable: cannot connect)") != std::string::npos);
    CHECK(served_platforms({down}).empty());
  }
}

TEST_CASE("job::parse_emulation")
{
  CHECK(*parse_emulation("fallback") == Emulation::fallback);
  auto bad = parse_emulation("fallbak");
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find("did you mean 'fallback'") != std::string::npos);
}

TEST_SUITE_END();

TEST_CASE("every --emulation value completion offers is one the planner accepts")
{
  for (const auto& value : pma::cli::choices_for("build", "emulation")) {
    CHECK(pma::job::parse_emulation(value));
  }
  CHECK(pma::cli::choices_for("build", "emulation").size() == 3);
}
