// What the libpod client puts on the wire, per podman version (FakeHttp).
#include <pma/libpod/client.hpp>

#include <doctest/doctest.h>

#include "fake_http.hpp"

using namespace pma::libpod;
using namespace pma::oci;
using pma::transport::HttpRequest;
using pma::transport::HttpResponse;
using pma::util::ErrorClass;

TEST_SUITE_BEGIN("api");

namespace {

struct Host {
  std::shared_ptr<pma::test::FakeHttp::State> state = std::make_shared<pma::test::FakeHttp::State>();
  std::unique_ptr<LibpodClient> client;

  explicit Host(const std::string& version)
    : client(make_libpod_client(std::make_unique<pma::test::FakeHttp>(state), "h"))
  {
    state->answers.emplace_back(pma::test::ping_response(version));
    REQUIRE(client->ping());
  }

  const HttpRequest&
  last() const
  {
    return state->sent.back();
  }

  static std::string
  header(const HttpRequest& request, const std::string& name)
  {
    for (const auto& [key, value] : request.headers) {
      if (key == name) {
        return value;
      }
    }
    return {};
  }
};

const std::string k_digest = "sha256:" + std::string(64, 'c');

} // namespace

TEST_CASE("api wire: build query and headers")
{
  Host host("4.3.1");
  host.state->answers.emplace_back(HttpResponse{200,
                                                {},
                                                R"({"stream":")" + std::string(64, 'a') +
                                                    R"(\n"})"
                                                    "\n"});
  BuildRequest request;
  request.platform = *Platform::parse("linux/arm64");
  request.containerfile = "build/Containerfile";
  request.annotations = {"a=b"};
  request.build_args = {{"K", "v w"}};
  request.tls_verify = true;
  request.registry_config = "e30=";
  auto id = host.client->build(request, pma::test::empty_body, [](const BuildEvent&) {});
  REQUIRE(id);
  CHECK(*id == std::string(64, 'a'));
  const auto& sent = host.last();
  CHECK(sent.method == "POST");
  CHECK(sent.target.starts_with("/v4.3.1/libpod/build?dockerfile=build%2FContainerfile&platform=linux%2Farm64%2Fv8"));
  CHECK(sent.target.find("&layers=true") != std::string::npos);
  CHECK(sent.target.find("&forcerm=true") != std::string::npos);
  CHECK(sent.target.find("&annotations=%5B%22a%3Db%22%5D") != std::string::npos); // a JSON array
  CHECK(sent.target.find("&buildargs=%7B%22K%22%3A%22v%20w%22%7D") != std::string::npos);
  CHECK(sent.target.find("&tlsVerify=true") != std::string::npos);
  CHECK(sent.content_type == "application/x-tar");
  CHECK(Host::header(sent, "X-Registry-Config") == "e30=");
  CHECK(sent.body_stream);
}

TEST_CASE("api wire: push route by version")
{
  PushRequest request;
  request.image = "abc";
  request.auth_header = "AUTH";
  SUBCASE("podman 5.4 pushes by digest on the libpod route")
  {
    Host host("5.4.2");
    host.state->answers.emplace_back(HttpResponse{200, {}, R"({"manifestdigest":")" + k_digest + "\"}\n"});
    request.destination = "127.0.0.1:5000/app@@unknown-digest@@";
    auto digest = host.client->push_image(request, [](std::string_view) {});
    REQUIRE(digest);
    CHECK(*digest == k_digest);
    CHECK(host.last().target.starts_with(
        "/v5.4.2/libpod/images/abc/push?destination=127.0.0.1%3A5000%2Fapp%40%40unknown-digest%40%40"));
    CHECK(host.last().target.find("quiet=false") != std::string::npos);
    CHECK(Host::header(host.last(), "X-Registry-Auth") == "AUTH");
  }
  SUBCASE("podman 4.3 uses the compat route, whose status line has the digest")
  {
    Host host("4.3.1");
    host.state->answers.emplace_back(
        HttpResponse{200, {}, R"({"status":"latest: digest: )" + k_digest + " size: 912\"}\n"});
    request.destination = "127.0.0.1:5000/app:1-linux-arm64";
    auto digest = host.client->push_image(request, [](std::string_view) {});
    REQUIRE(digest);
    CHECK(*digest == k_digest);
    CHECK(host.last().target.starts_with("/v1.41/images/abc/push?destination="));
  }
  SUBCASE("an in-stream auth failure is class auth; no header without credentials")
  {
    Host host("5.4.2");
    host.state->answers.emplace_back(HttpResponse{200, {}, "{\"error\":\"unauthorized: authentication required\"}\n"});
    request.auth_header.clear();
    auto digest = host.client->push_image(request, [](std::string_view) {});
    REQUIRE_FALSE(digest);
    CHECK(digest.error().cls == ErrorClass::auth);
    CHECK(Host::header(host.last(), "X-Registry-Auth").empty());
  }
  SUBCASE("retryable where the push was cut short or the registry was overloaded, as podman tells it")
  {
    Host host("5.4.2");
    host.state->answers.emplace_back(HttpResponse{200, {}, "{\"stream\":\"Copying blob\"}\n"});
    request.destination = "127.0.0.1:5000/app@@unknown-digest@@";
    auto cut = host.client->push_image(request, [](std::string_view) {});
    REQUIRE_FALSE(cut);
    CHECK(cut.error().cls == ErrorClass::protocol);
    CHECK(cut.error().message == "push to 127.0.0.1:5000/app@@unknown-digest@@ ended without reporting a digest");
    CHECK(cut.error().transient);

    host.state->answers.emplace_back(HttpResponse{
        200, {}, "{\"error\":\"writing blob: received unexpected HTTP status: 503 Service Unavailable\"}\n"});
    auto busy = host.client->push_image(request, [](std::string_view) {});
    REQUIRE_FALSE(busy);
    CHECK(busy.error().cls == ErrorClass::api);
    CHECK(busy.error().transient);

    host.state->answers.emplace_back(HttpResponse{200, {}, "{\"error\":\"writing blob: manifest invalid\"}\n"});
    auto refused = host.client->push_image(request, [](std::string_view) {});
    REQUIRE_FALSE(refused);
    CHECK_FALSE(refused.error().transient);
  }
}

TEST_CASE("api wire: manifest add, annotate, remove, exists")
{
  const std::string list_answer = R"({"Id":")" + std::string(64, 'c') + R"(","images":[]})";
  Host host("4.3.1");
  SUBCASE("add sends JSON with the array annotation form and the platform")
  {
    host.state->answers.emplace_back(HttpResponse{200, {}, list_answer});
    ManifestAddRequest add;
    add.image = "docker://r/app@" + k_digest;
    add.platform = *Platform::parse("linux/arm64");
    add.annotations = {"k=v"};
    add.tls_verify = true;
    const auto id = host.client->manifest_add("localhost/list:1", add);
    REQUIRE(id);
    CHECK(*id == std::string(64, 'c')); // what podman prints
    CHECK(host.last().method == "PUT");
    CHECK(host.last().target == "/v4.3.1/libpod/manifests/localhost%2Flist%3A1?tlsVerify=true");
    CHECK(host.last().content_type == "application/json");
    CHECK(host.last().body == R"({"annotation":["k=v"],"arch":"arm64","images":["docker://r/app@)" + k_digest +
                                  R"("],"operation":"update","os":"linux","variant":"v8"})");
  }
  SUBCASE("annotate: what 4.3 would silently ignore is refused, nothing sent; entry annotations go")
  {
    ManifestAnnotateRequest index;
    index.index = true;
    index.annotations = {"a=b"};
    auto refused = host.client->manifest_annotate("l", index);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().message == "annotating the list itself needs podman 5.4 or newer (this host runs 4.3.1)");
    CHECK(host.state->sent.size() == 1); // the ping only
    // An entry's annotations in the array form: 4.3 stores them (only its inspect hides them).
    ManifestAnnotateRequest entry;
    entry.digest = k_digest;
    entry.annotations = {"a=b"};
    entry.variant = "v8";
    host.state->answers.emplace_back(HttpResponse{200, {}, list_answer});
    REQUIRE(host.client->manifest_annotate("l", entry));
    CHECK(host.last().body ==
          R"({"annotation":["a=b"],"images":[")" + k_digest + R"("],"operation":"annotate","variant":"v8"})");
  }
  SUBCASE("remove and exists")
  {
    host.state->answers.emplace_back(HttpResponse{200, {}, "{}"});
    auto no_id = host.client->manifest_remove("l", k_digest);
    REQUIRE_FALSE(no_id);
    CHECK(no_id.error().cls == ErrorClass::protocol);
    host.state->answers.emplace_back(HttpResponse{200, {}, list_answer});
    REQUIRE(host.client->manifest_remove("l", k_digest));
    CHECK(host.last().body == R"({"images":[")" + k_digest + R"("],"operation":"remove"})");
    host.state->answers.emplace_back(HttpResponse{204, {}, ""});
    host.state->answers.emplace_back(HttpResponse{404, {}, R"({"cause":"manifest not found"})"});
    CHECK(*host.client->manifest_exists("l") == true);
    CHECK(*host.client->manifest_exists("l") == false);
    CHECK(host.last().target == "/v4.3.1/libpod/manifests/l/exists");
  }
}

TEST_CASE("api wire: annotate the index on 5.4")
{
  Host host("5.4.2");
  host.state->answers.emplace_back(HttpResponse{200, {}, R"({"Id":"sha256:)" + std::string(64, 'd') + R"("})"});
  ManifestAnnotateRequest index;
  index.index = true;
  index.annotations = {"org.opencontainers.image.source=https://x", "empty="};
  CHECK(*host.client->manifest_annotate("l", index) == std::string(64, 'd'));
  CHECK(host.last().body ==
        R"({"index_annotations":{"empty":"","org.opencontainers.image.source":"https://x"},"operation":"annotate"})");
}

TEST_CASE("api wire: manifest inspect tells missing from refused")
{
  Host host("5.4.2");
  host.state->answers.emplace_back(HttpResponse{
      404, {}, R"({"cause":"manifest unknown","message":"reading manifest 1 in r/app: manifest unknown"})"});
  host.state->answers.emplace_back(HttpResponse{
      404,
      {},
      R"({"cause":"unauthorized: authentication required","message":"reading manifest: unauthorized: authentication required"})"});
  host.state->answers.emplace_back(HttpResponse{
      200,
      {},
      R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"digest":")" +
          k_digest + R"(","size":5,"platform":{"os":"linux","architecture":"arm64"},"annotations":{"a":"b"}}]})"});
  auto missing = host.client->manifest_inspect("r/app:1", "", true);
  REQUIRE(missing);
  CHECK_FALSE(missing->has_value());
  auto refused = host.client->manifest_inspect("r/app:1", "", true);
  REQUIRE_FALSE(refused);
  CHECK(refused.error().cls == ErrorClass::auth);
  auto found = host.client->manifest_inspect("r/app:1", "CONF", true);
  REQUIRE(found);
  REQUIRE(found->has_value());
  CHECK((*found)->is_list);
  CHECK((*found)->manifests[0].platform.to_string() == "linux/arm64/v8");
  CHECK((*found)->manifests[0].annotations.at("a") == "b");
  CHECK(Host::header(host.last(), "X-Registry-Auth") == "CONF");
  CHECK(host.last().target == "/v5.4.2/libpod/manifests/r%2Fapp%3A1/json?tlsVerify=true");
}

TEST_CASE("oci::parse_index: podman's empty list and 4.x single image both say \"manifests\": null")
{
  auto empty = parse_index(
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.list.v2+json","manifests":null})");
  REQUIRE(empty);
  CHECK(empty->is_list);
  CHECK(empty->manifests.empty());
  auto single = parse_index(
      R"({"schemaVersion":2,"mediaType":"application/vnd.docker.distribution.manifest.v2+json","manifests":null})");
  REQUIRE(single);
  CHECK_FALSE(single->is_list);
}

TEST_CASE("api wire: manifest inspect refuses what podman 4.3 would ignore")
{
  Host host("4.3.1");
  auto tls = host.client->manifest_inspect("r/app:1", "", false);
  REQUIRE_FALSE(tls);
  CHECK(tls.error().message == "reading r/app:1 with --tls-verify=false needs podman 4.4 or newer (this host runs "
                               "4.3.1, which would ignore it)");
  auto auth = host.client->manifest_inspect("r/app:1", "CONF", std::nullopt);
  REQUIRE_FALSE(auth);
  CHECK(auth.error().message.find("with credentials needs podman 4.6") != std::string::npos);
  CHECK(host.state->sent.size() == 1); // the ping only
}

TEST_CASE("api wire: image names by reference, and the 4.x manifest PUT error shape")
{
  Host host("4.3.1");
  host.state->answers.emplace_back(
      HttpResponse{200, {}, R"([{"Id":"aaa","Names":null},{"Id":"bbb","Names":["localhost/p-1:a","r/x:1"]},{"x":1}])"});
  const auto names = host.client->image_names("localhost/p-*");
  REQUIRE(names);
  CHECK(*names == std::vector<std::string>{"localhost/p-1:a", "r/x:1"});
  CHECK(host.last().target ==
        "/v4.3.1/libpod/images/json?all=true&filters=%7B%22reference%22%3A%5B%22localhost%2Fp-%2A%22%5D%7D");

  host.state->answers.emplace_back(HttpResponse{
      400, {}, R"({"Id":"","errors":["reading manifest x in r/app: manifest unknown: manifest unknown"]})"});
  ManifestAddRequest add;
  add.image = "docker://r/app:x";
  const auto added = host.client->manifest_add("localhost/l", add);
  REQUIRE_FALSE(added);
  CHECK(added.error().message ==
        "adding docker://r/app:x to manifest list localhost/l: reading manifest x in r/app: manifest unknown: manifest "
        "unknown (HTTP 400)");
}

TEST_SUITE_END();
