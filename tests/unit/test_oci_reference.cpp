#include <pma/oci/digest.hpp>
#include <pma/oci/reference.hpp>

#include <doctest/doctest.h>

#include <chrono>

using namespace pma::oci;

TEST_SUITE_BEGIN("api");

TEST_CASE("oci::ImageRef::parse")
{
  auto ref = ImageRef::parse("quay.io/acme/app:1.4");
  REQUIRE(ref);
  CHECK(ref->registry == "quay.io");
  CHECK(ref->repository == "acme/app");
  CHECK(ref->tag == "1.4");
  CHECK(ref->digest.empty());
  CHECK(ref->to_string() == "quay.io/acme/app:1.4");

  SUBCASE("registries with ports, localhost, IPv6")
  {
    auto port = ImageRef::parse("127.0.0.1:45443/lab/app:latest");
    REQUIRE(port);
    CHECK(port->registry == "127.0.0.1:45443");
    CHECK(port->tag == "latest");
    CHECK(ImageRef::parse("localhost/app")->registry == "localhost");
    CHECK(ImageRef::parse("[::1]:5000/app:1")->registry == "[::1]:5000");
    CHECK(ImageRef::parse("registry:5000/a/b/c")->repository == "a/b/c");
  }
  SUBCASE("digests, docker:// prefix")
  {
    const std::string digest = "sha256:" + std::string(64, 'a');
    auto pinned = ImageRef::parse("docker://quay.io/acme/app:1.4@" + digest);
    REQUIRE(pinned);
    CHECK(pinned->digest == digest);
    CHECK(pinned->tag == "1.4");
    CHECK(pinned->with_digest(digest).to_string() == "quay.io/acme/app@" + digest);
    CHECK(pinned->with_tag("x").to_string() == "quay.io/acme/app:x");
    CHECK(is_sha256_digest(digest));
    CHECK_FALSE(is_sha256_digest("sha256:abc"));
  }
}

TEST_CASE("oci::ImageRef::parse rejects bad references with the reason")
{
  const auto message = [](const char* text) {
    auto ref = ImageRef::parse(text);
    REQUIRE_FALSE(ref);
    CHECK(ref.error().cls == pma::util::ErrorClass::usage);
    return ref.error().message;
  };
  CHECK(message("quay.io/Acme/App:bad tag") ==
        "invalid image reference 'quay.io/Acme/App:bad tag': whitespace at position 21");
  CHECK(message("quay.io/Acme/app:1") == "invalid image reference 'quay.io/Acme/app:1': repository component 'Acme' "
                                         "has uppercase letters (repositories are lowercase)");
  CHECK(message("quay.io/acme/app:-x").find("not a valid tag") != std::string::npos);
  CHECK(message("acme/app:1").find("no registry") != std::string::npos);
  CHECK(message("app").find("no registry") != std::string::npos);
  CHECK(message("quay.io/").find("no repository") != std::string::npos);
  CHECK(message("quay.io/a//b").find("component ''") != std::string::npos);
  CHECK(message("quay.io/a@sha256:xyz").find("not a digest") != std::string::npos);
  CHECK(message("quay.io/a..b").find("is not valid") != std::string::npos);
  CHECK(message("").find("empty") != std::string::npos);
  auto hint = ImageRef::parse("acme/app");
  CHECK(hint.error().hint == "name the registry, e.g. quay.io/acme/app or docker.io/acme/app");
}

TEST_SUITE_END();

TEST_CASE("ImageRef::parse: pathological lengths answer at once, without deep recursion")
{
  // std::regex backtracks recursively, once per character: a long name could overflow the stack.
  const std::string dashes = "quay.io/a" + std::string(size_t{1} << 20, '-') + "!";
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(pma::oci::ImageRef::parse(dashes));
  CHECK_FALSE(pma::oci::ImageRef::parse("quay.io/" + std::string(size_t{1} << 20, 'a') + ":" + std::string(300, 't')));
  CHECK(pma::oci::ImageRef::parse("quay.io/" + std::string(200, 'a')));
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(2));
}
