#include <pma/job/run.hpp>

#include <doctest/doctest.h>

using pma::job::owned_name_time;

TEST_SUITE("build")
{
  TEST_CASE("owned_name_time: the start of the run that gave a name, for our names only")
  {
    const auto since = owned_name_time("localhost/podman-multiarch-build:1796033564-df889fc8-linux-amd64");
    REQUIRE(since);
    CHECK(std::chrono::duration_cast<std::chrono::seconds>(since->time_since_epoch()).count() == 1796033564);
    CHECK(owned_name_time("localhost/podman-multiarch-list:1700000000-0a0b0c0d"));
    CHECK(owned_name_time("localhost/podman-multiarch-context-0:1700000000-0a0b0c0d-linux-s390x"));

    CHECK_FALSE(owned_name_time("localhost/mine:1"));
    CHECK_FALSE(owned_name_time("quay.io/podman-multiarch-build:1700000000-x"));
    CHECK_FALSE(owned_name_time("localhost/podman-multiarch-build:latest"));
    CHECK_FALSE(owned_name_time("localhost/podman-multiarch-build:1700000000"));   // no run part
    CHECK_FALSE(owned_name_time("localhost/podman-multiarch-build:17x-0a0b0c0d")); // not a number
    CHECK_FALSE(owned_name_time("localhost/podman-multiarch-build"));
  }

  TEST_CASE("is_owned_list_name: the lists a run names, a release target's included")
  {
    CHECK(pma::job::is_owned_list_name("localhost/podman-multiarch-list:1700000000-0a0b0c0d"));
    CHECK(pma::job::is_owned_list_name("localhost/podman-multiarch-list-tools-slim:1700000000-0a0b0c0d"));
    CHECK(owned_name_time("localhost/podman-multiarch-build-tools-slim:1700000000-0a0b0c0d-linux-amd64"));
    CHECK_FALSE(pma::job::is_owned_list_name("localhost/podman-multiarch-build-list:1700000000-0a0b0c0d"));
    CHECK_FALSE(pma::job::is_owned_list_name("localhost/podman-multiarch-build:1700000000-0a0b0c0d-linux-amd64"));
    CHECK_FALSE(pma::job::is_owned_list_name("localhost/list:1"));
  }

  TEST_CASE("arch_tag: the staging tag of podman < 4.9 hosts")
  {
    const pma::job::BuildOptions defaults;
    CHECK(pma::job::arch_tag(defaults.arch_tag_format, "1.4", *pma::oci::Platform::parse("linux/arm64/v8")) ==
          "1.4-staging-linux-arm64-v8");
    CHECK(pma::job::arch_tag(defaults.arch_tag_format, "", *pma::oci::Platform::parse("linux/amd64")) ==
          "latest-staging-linux-amd64");
  }
}
