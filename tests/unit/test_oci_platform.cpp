#include <pma/oci/platform.hpp>

#include <doctest/doctest.h>

using namespace pma::oci;

TEST_SUITE_BEGIN("api");

TEST_CASE("oci::Platform::parse normalises like podman")
{
  CHECK(Platform::parse("linux/amd64")->to_string() == "linux/amd64");
  CHECK(Platform::parse("linux/arm64")->to_string() == "linux/arm64/v8");
  CHECK(Platform::parse("linux/arm64/v8")->to_string() == "linux/arm64/v8");
  CHECK(Platform::parse("linux/aarch64")->to_string() == "linux/arm64/v8");
  CHECK(Platform::parse("linux/x86_64")->to_string() == "linux/amd64");
  CHECK(Platform::parse("linux/ppc64el")->to_string() == "linux/ppc64le");
  CHECK(Platform::parse("linux/arm")->to_string() == "linux/arm/v7");
  CHECK(Platform::parse("linux/armhf")->to_string() == "linux/arm/v7");
  CHECK(Platform::parse("linux/arm/6")->to_string() == "linux/arm/v6");
  CHECK(Platform::parse("Linux/S390X")->to_string() == "linux/s390x");
  CHECK(Platform::parse("linux/amd64/v1")->to_string() == "linux/amd64");
  CHECK(Platform::parse("linux/amd64/v3")->to_string() == "linux/amd64/v3");
  CHECK(*Platform::parse("linux/arm64") == *Platform::parse("linux/aarch64/v8"));
}

TEST_CASE("oci::Platform::parse rejects malformed platforms")
{
  for (const char* text : {"linux", "linux/", "/amd64", "linux/amd64/v8/x", "linux/am d64", ""}) {
    CAPTURE(text);
    auto platform = Platform::parse(text);
    REQUIRE_FALSE(platform);
    CHECK(platform.error().cls == pma::util::ErrorClass::usage);
  }
  auto typo = Platform::parse("linux/amd46");
  REQUIRE_FALSE(typo);
  CHECK(typo.error().message.find("did you mean 'amd64'") != std::string::npos);
  auto os = Platform::parse("linxu/amd64");
  REQUIRE_FALSE(os);
  CHECK(os.error().message.find("did you mean 'linux'") != std::string::npos);
}

TEST_CASE("oci::Platform::normalized from image configs and /info")
{
  CHECK(Platform::normalized("linux", "arm64", "").to_string() == "linux/arm64/v8");
  CHECK(Platform::normalized("linux", "amd64", "").to_string() == "linux/amd64");
  CHECK(Platform::normalized("linux", "arm", "v6").to_string() == "linux/arm/v6");
}

TEST_SUITE_END();
