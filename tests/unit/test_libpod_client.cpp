#include <pma/libpod/client.hpp>

#include <doctest/doctest.h>

using namespace pma::libpod;
using namespace pma::oci;
using pma::transport::HttpResponse;
using pma::util::ErrorClass;

TEST_SUITE_BEGIN("api");

TEST_CASE("libpod::error_from_response")
{
  SUBCASE("libpod JSON error body")
  {
    const HttpResponse response{
        404,
        {{"Content-Type", "application/json"}},
        R"({"cause":"manifest not found","message":"localhost/x: manifest not found","response":404})"};
    const auto error = error_from_response(response, "manifest inspect");
    CHECK(error.cls == ErrorClass::api);
    CHECK(error.message == "manifest inspect: localhost/x: manifest not found (HTTP 404)");
  }
  SUBCASE("cause when message is empty")
  {
    const HttpResponse response{500, {}, R"({"cause":"boom","message":"","response":500})"};
    CHECK(error_from_response(response, "x").message == "x: boom (HTTP 500)");
  }
  SUBCASE("plain-text router 404")
  {
    const HttpResponse response{404, {{"Content-Type", "text/plain"}}, "Not Found\n"};
    CHECK(error_from_response(response, "info").message ==
          "info: Not Found (HTTP 404) (the service has no such API route)");
  }
  SUBCASE("plain-text 405")
  {
    const HttpResponse response{405, {}, "Method Not Allowed"};
    CHECK(error_from_response(response, "push").message.find("no such API route") != std::string::npos);
  }
  SUBCASE("registry auth failures are class auth")
  {
    const HttpResponse response{
        400,
        {},
        R"({"cause":"unauthorized","message":"pushing: unauthorized: authentication required","response":400})"};
    CHECK(error_from_response(response, "push").cls == ErrorClass::auth);
  }
  SUBCASE("empty body")
  {
    CHECK(error_from_response(HttpResponse{502, {}, ""}, "ping").message == "ping failed (HTTP 502)");
  }
  SUBCASE("transient: 429 and an overloaded upstream's 5xx, or podman's words for a failing registry")
  {
    for (const int status : {429, 500, 502, 503, 504}) {
      CHECK(error_from_response(HttpResponse{status, {}, R"({"message":"x"})"}, "push").transient);
    }
    for (const int status : {400, 401, 404, 409, 501}) {
      CHECK_FALSE(error_from_response(HttpResponse{status, {}, R"({"message":"x"})"}, "push").transient);
    }
    CHECK(error_from_response(HttpResponse{400,
                                           {},
                                           R"({"message":"pinging container registry r: dial tcp: )"
                                           R"(connect: connection refused"})"},
                              "push")
              .transient);
    CHECK(error_from_response(HttpResponse{400, {}, R"({"message":"toomanyrequests: slow down"})"}, "push").transient);
  }
}

TEST_CASE("libpod::parse_info")
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

#include "fake_http.hpp"

TEST_SUITE_BEGIN("api");

namespace {

struct Fixture {
  std::shared_ptr<pma::test::FakeHttp::State> state = std::make_shared<pma::test::FakeHttp::State>();
  std::unique_ptr<LibpodClient> client = make_libpod_client(std::make_unique<pma::test::FakeHttp>(state), "power9");
};

} // namespace

TEST_CASE("libpod::LibpodClient::ping negotiates the API version")
{
  Fixture f;
  f.state->answers.emplace_back(pma::test::ping_response("4.3.1"));
  f.state->answers.emplace_back(HttpResponse{200, {}, R"({"host":{"arch":"s390x","os":"linux"}})"});
  auto ping = f.client->ping();
  REQUIRE(ping);
  CHECK(ping->api_version == Version{4, 3, 1});
  CHECK(f.state->sent[0].target == "/_ping");
  CHECK(f.state->sent[0].idle_timeout == std::chrono::milliseconds(1234));
  CHECK_FALSE(f.client->capabilities().push_digest);
  auto info = f.client->info();
  REQUIRE(info);
  CHECK(f.state->sent[1].target == "/v4.3.1/libpod/info");
  CHECK(info->native.to_string() == "linux/s390x");
}

TEST_CASE("libpod::LibpodClient::ping refuses what it cannot use")
{
  SUBCASE("podman older than 4.0")
  {
    Fixture f;
    f.state->answers.emplace_back(pma::test::ping_response("3.4.4"));
    auto ping = f.client->ping();
    REQUIRE_FALSE(ping);
    CHECK(ping.error().cls == ErrorClass::api);
    CHECK(ping.error().host == "power9");
    CHECK(ping.error().message == "podman 3.4.4 is too old: podman-multiarch needs podman 4.0.0 or newer");
  }
  SUBCASE("no Libpod-API-Version: Docker or something else")
  {
    Fixture f;
    f.state->answers.emplace_back(HttpResponse{200, {{"API-Version", "1.43"}}, "OK"});
    auto ping = f.client->ping();
    REQUIRE_FALSE(ping);
    CHECK(ping.error().cls == ErrorClass::protocol);
    CHECK(ping.error().message.find("not a podman service") != std::string::npos);
  }
  SUBCASE("a non-200 answer")
  {
    Fixture f;
    f.state->answers.emplace_back(HttpResponse{404, {}, "404 page not found"});
    auto ping = f.client->ping();
    REQUIRE_FALSE(ping);
    CHECK(ping.error().cls == ErrorClass::protocol);
  }
  SUBCASE("transport errors keep their class and gain the host")
  {
    Fixture f;
    f.state->answers.emplace_back(pma::util::fail(ErrorClass::timeout, "no data"));
    auto ping = f.client->ping();
    REQUIRE_FALSE(ping);
    CHECK(ping.error().cls == ErrorClass::timeout);
    CHECK(ping.error().host == "power9");
  }
  SUBCASE("an API call before ping is a bug, not a crash")
  {
    Fixture f;
    auto info = f.client->info();
    REQUIRE_FALSE(info);
    CHECK(info.error().cls == ErrorClass::internal);
  }
}

TEST_CASE("libpod::LibpodClient::info error body")
{
  Fixture f;
  f.state->answers.emplace_back(pma::test::ping_response("5.4.2"));
  f.state->answers.emplace_back(HttpResponse{
      500, {{"Content-Type", "application/json"}}, R"({"cause":"x","message":"storage is broken","response":500})"});
  REQUIRE(f.client->ping());
  auto info = f.client->info();
  REQUIRE_FALSE(info);
  CHECK(info.error().message == "info: storage is broken (HTTP 500)");
  CHECK(info.error().describe() == "host power9: info: storage is broken (HTTP 500)");
}

TEST_SUITE_END();

TEST_CASE("libpod::LibpodClient bounds what a host may send")
{
  Fixture f;
  f.state->answers.emplace_back(pma::test::ping_response("4.3.1"));
  const auto before = std::chrono::steady_clock::now();
  REQUIRE(f.client->ping());
  const auto& ping = f.state->sent[0];
  CHECK(ping.max_body == 4096);
  REQUIRE(ping.deadline); // the connect timeout bounds the whole answer
  CHECK(*ping.deadline >= before + std::chrono::milliseconds(1234));
  CHECK(*ping.deadline <= std::chrono::steady_clock::now() + std::chrono::milliseconds(1234));

  f.state->answers.emplace_back(HttpResponse{200, {}, R"({"host":{"arch":"s390x","os":"linux"}})"});
  REQUIRE(f.client->info());
  CHECK(f.state->sent[1].max_body == size_t{1} << 20);

  SUBCASE("a build stream line without end is refused, the host named")
  {
    f.state->answers.emplace_back(HttpResponse{200, {}, std::string(size_t{2} << 20, 'x')});
    BuildRequest request;
    request.platform = *Platform::parse("linux/amd64");
    request.containerfile = "Containerfile";
    const auto built = f.client->build(request, pma::test::empty_body, [](const BuildEvent&) {});
    REQUIRE_FALSE(built);
    CHECK(built.error().cls == ErrorClass::protocol);
    CHECK(built.error().host == "power9");
    CHECK(built.error().message.starts_with("the build stream has a line longer than 1 MiB without a newline"));
    CHECK(f.state->sent.back().max_body == size_t{64} << 10); // its error answer
  }
}
