// What one platform's build asks of its host.
#include <pma/job/option_values.hpp>
#include <pma/job/request.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace pma;
using libpod::BuildOption;
using libpod::Capabilities;
using oci::Platform;

TEST_SUITE_BEGIN("build");

TEST_CASE("job::pull_policy_for: --pull=false follows the host's podman")
{
  CHECK(job::pull_policy_for("false", {4, 3, 1}) == "missing");
  CHECK(job::pull_policy_for("false", {5, 0, 0}) == "never");
  CHECK(job::pull_policy_for("newer", {4, 3, 1}) == "ifnewer");
  CHECK(job::pull_policy_for("always", {5, 4, 2}) == "always");
}

TEST_CASE("job::platform_text: as asked, else without the implied variant")
{
  job::BuildOptions options;
  const auto arm64 = *Platform::parse("linux/arm64");
  CHECK(job::platform_text(options, arm64) == "linux/arm64");
  CHECK(job::platform_text(options, *Platform::parse("linux/arm/v7")) == "linux/arm/v7");
  options.platform_texts[arm64] = "linux/arm64/v8";
  CHECK(job::platform_text(options, arm64) == "linux/arm64/v8");
}

TEST_CASE("job::build_request: per-platform values, version-dependent additions")
{
  job::BuildOptions options;
  options.build_args = {{"A", "1"}, {"B", "2"}};
  options.target = "final";
  const auto arm64 = *Platform::parse("linux/arm64");
  const auto amd64 = *Platform::parse("linux/amd64");
  options.overrides[arm64].build_args = {{"B", "arm"}};
  options.overrides[arm64].target = "arm";
  options.pull = "false";
  options.retry.retries = 5;
  options.retry.delay = std::chrono::seconds(3);

  const auto arm = job::build_request(options, arm64, Capabilities({5, 2, 0}));
  CHECK(arm.build_args == std::map<std::string, std::string>{{"A", "1"}, {"B", "arm"}});
  CHECK(arm.target == "arm");
  CHECK(arm.pull_policy == "never");
  CHECK(arm.platform_text == "linux/arm64");
  CHECK(arm.settings.empty()); // retry needs 5.3 on the build endpoint

  const auto amd = job::build_request(options, amd64, Capabilities({5, 6, 0}));
  CHECK(amd.build_args.at("B") == "2");
  CHECK(amd.target == "final");
  CHECK(amd.settings ==
        std::vector<libpod::BuildSetting>{{BuildOption::retry, {"5"}}, {BuildOption::retry_delay, {"3000ms"}}});

  // podman 4.0 does not set TARGET* from platform=: they are sent as arguments.
  const auto old = job::build_request(options, arm64, Capabilities({4, 0, 0}));
  CHECK(old.pull_policy == "missing");
  CHECK(old.build_args.at("TARGETARCH") == "arm64");
  CHECK(old.build_args.at("TARGETPLATFORM") == "linux/arm64/v8");
  CHECK_FALSE(job::build_request(options, arm64, Capabilities({4, 3, 1})).build_args.contains("TARGETARCH"));

  options.settings = {{BuildOption::volume, {"/a:/b"}}};
  CHECK(job::unsupported_on(options, amd64, Capabilities({4, 3, 1})) ==
        "--volume needs podman 4.4 or newer (this host runs 4.3.1)");
}

TEST_CASE("job::shown_build_line hides the platform arguments' warning of podman 4.1-4.4")
{
  CHECK_FALSE(job::shown_build_line(
      "[Warning] one or more build args were not consumed: [TARGETARCH TARGETOS TARGETPLATFORM]"));
  CHECK(*job::shown_build_line("[Warning] one or more build args were not consumed: [MINE TARGETARCH]") ==
        "[Warning] one or more build args were not consumed: [MINE]");
  CHECK(*job::shown_build_line("STEP 1/2: FROM x") == "STEP 1/2: FROM x");
}

TEST_CASE("job::build_args: podman's --build-arg-file and --build-arg")
{
  ::setenv("PMA_TEST_SET", "from-env", 1);
  ::setenv("PMA_TEST_PFX_A", "a", 1);
  ::unsetenv("PMA_TEST_UNSET");
  const auto file = std::filesystem::temp_directory_path() / "pma-build-args";
  std::ofstream(file)
      << "# comment\n\n  K1=v 1 \nK2=\"quoted\"\r\nPMA_TEST_SET\nPMA_TEST_UNSET\nPMA_TEST_PFX_*\nDROP=x\n";
  auto args = job::build_args({file.string()}, {"K3=x=y", "PMA_TEST_UNSET", "DROP"});
  REQUIRE(args);
  CHECK(
      *args ==
      std::map<std::string, std::string>{
          {"K1", "v 1 "}, {"K2", "\"quoted\""}, {"K3", "x=y"}, {"PMA_TEST_PFX_A", "a"}, {"PMA_TEST_SET", "from-env"}});
  std::ofstream(file) << "=x\n";
  auto bad = job::build_args({file.string()}, {});
  REQUIRE_FALSE(bad);
  CHECK(bad.error().message.find(":1: invalid variable '=x'") != std::string::npos);
  std::filesystem::remove(file);
}

TEST_SUITE_END();
