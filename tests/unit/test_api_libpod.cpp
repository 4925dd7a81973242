#include <pma/api/libpod.hpp>

#include <doctest/doctest.h>

using namespace pma::api;
using pma::transport::HttpResponse;
using pma::util::ErrorClass;

TEST_SUITE_BEGIN("api");

TEST_CASE("api::error_from_response")
{
  SUBCASE("libpod JSON error body")
  {
    const HttpResponse response{404,
                                {{"Content-Type", "application/json"}},
                                R"({"cause":"manifest not found","message":"localhost/x: manifest not found","response":404})"};
    const auto error = error_from_response(response, "manifest inspect");
    CHECK(error.cls == ErrorClass::api);
    CHECK(error.message == "manifest inspect failed: HTTP 404: localhost/x: manifest not found");
  }
  SUBCASE("cause when message is empty")
  {
    const HttpResponse response{500, {}, R"({"cause":"boom","message":"","response":500})"};
    CHECK(error_from_response(response, "x").message == "x failed: HTTP 500: boom");
  }
  SUBCASE("plain-text router 404")
  {
    const HttpResponse response{404, {{"Content-Type", "text/plain"}}, "Not Found\n"};
    CHECK(error_from_response(response, "info").message
          == "info failed: HTTP 404: Not Found (the service has no such API route)");
  }
  SUBCASE("plain-text 405")
  {
    const HttpResponse response{405, {}, "Method Not Allowed"};
    CHECK(error_from_response(response, "push").message.find("no such API route") != std::string::npos);
  }
  SUBCASE("registry auth failures are class auth")
  {
    const HttpResponse response{
      400, {}, R"({"cause":"unauthorized","message":"pushing: unauthorized: authentication required","response":400})"};
    CHECK(error_from_response(response, "push").cls == ErrorClass::auth);
  }
  SUBCASE("empty body")
  {
    CHECK(error_from_response(HttpResponse{502, {}, ""}, "ping").message == "ping failed: HTTP 502");
  }
}

TEST_CASE("api::parse_info")
{
  SUBCASE("podman 4.3: no variant, arm64 inferred as v8")
  {
    const auto info = parse_info(R"({"host":{"arch":"arm64","os":"linux","kernel":"6.1"},
                                     "version":{"Version":"4.3.1","APIVersion":"4.3.1"}})",
                                 Version{4, 3, 1});
    REQUIRE(info);
    CHECK(info->native.to_string() == "linux/arm64/v8");
    CHECK(info->variant_inferred);
    CHECK(info->podman_version == "4.3.1");
    CHECK_FALSE(info->emulated.has_value());
  }
  SUBCASE("podman 5.8: variant and emulated architectures reported")
  {
    const auto info = parse_info(R"({"host":{"arch":"arm64","os":"linux","variant":"v8",
                                      "emulatedArchitectures":["linux/amd64","linux/riscv64"]},
                                     "version":{"Version":"5.8.2"}})",
                                 Version{5, 8, 2});
    REQUIRE(info);
    CHECK_FALSE(info->variant_inferred);
    REQUIRE(info->emulated.has_value());
    REQUIRE(info->emulated->size() == 2);
    CHECK((*info->emulated)[1].to_string() == "linux/riscv64");
  }
  SUBCASE("amd64 has no variant")
  {
    const auto info = parse_info(R"({"host":{"arch":"amd64","os":"linux","variant":""}})", Version{5, 4, 2});
    REQUIRE(info);
    CHECK(info->native.to_string() == "linux/amd64");
    CHECK_FALSE(info->variant_inferred);
    CHECK(info->podman_version == "5.4.2");
  }
  SUBCASE("garbage")
  {
    CHECK_FALSE(parse_info("not json", Version{4, 3, 1}));
    CHECK_FALSE(parse_info(R"({"host":{}})", Version{4, 3, 1}));
    CHECK(parse_info("[]", Version{4, 3, 1}).error().cls == ErrorClass::protocol);
  }
}

TEST_SUITE_END();
