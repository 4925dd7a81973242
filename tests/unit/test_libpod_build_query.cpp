// How each forwarded `podman build` option reaches each podman version.
#include <pma/libpod/build_settings.hpp>
#include <pma/libpod/client.hpp>
#include <pma/transport/http.hpp>

#include <doctest/doctest.h>

#include "fake_http.hpp"

using namespace pma::libpod;
using namespace pma::oci;
using pma::transport::HttpResponse;

TEST_SUITE_BEGIN("api");

namespace {

std::string
decoded(const std::string& text)
{
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(text.substr(i + 1, 2), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// A client of a fake podman `version` service, pinged; `state` sees what it sends.
std::unique_ptr<LibpodClient>
client_for(const std::string& version, std::shared_ptr<pma::test::FakeHttp::State>& state)
{
  state = std::make_shared<pma::test::FakeHttp::State>();
  auto client = make_libpod_client(std::make_unique<pma::test::FakeHttp>(state), "h");
  state->answers.emplace_back(pma::test::ping_response(version));
  REQUIRE(client->ping());
  return client;
}

// The query a podman `version` service receives for `settings`.
std::string
query_for(const std::string& version, const std::vector<BuildSetting>& settings, const std::string& labels_test = "")
{
  std::shared_ptr<pma::test::FakeHttp::State> state;
  auto client = client_for(version, state);
  state->answers.emplace_back(HttpResponse{200, {}, R"({"stream":")" + std::string(64, 'a') + "\\n\"}\n"});
  BuildRequest request;
  request.platform = *Platform::parse("linux/arm64");
  request.platform_text = "linux/arm64";
  request.containerfile = "Containerfile";
  request.settings = settings;
  if (!labels_test.empty()) {
    request.labels = {"b=2", "a=1", "novalue"};
  }
  auto id = client->build(request, pma::test::empty_body, [](const BuildEvent&) {});
  REQUIRE(id);
  return decoded(state->sent.back().target);
}

bool
has(const std::string& query, const std::string& part)
{
  return query.find(part) != std::string::npos;
}

} // namespace

TEST_CASE("libpod::unsupported names the option and the version it needs")
{
  const Version v431{4, 3, 1};
  CHECK(unsupported({{BuildOption::volume, {"/a:/b"}}}, v431) ==
        "--volume needs podman 4.4 or newer (this host runs 4.3.1)");
  CHECK(unsupported({{BuildOption::volume, {"/a:/b"}}}, {4, 4, 0}).empty());
  CHECK(unsupported({{BuildOption::cache_from, {"quay.io/a/c"}}}, v431).empty());
  CHECK(unsupported({{BuildOption::cache_from, {"quay.io/a/c", "quay.io/a/d"}}}, v431) ==
        "--cache-from given more than once needs podman 4.4 or newer (this host runs 4.3.1)");
  CHECK(unsupported({{BuildOption::no_hosts, {"true"}}}, {5, 4, 2}).empty());
  CHECK(unsupported({{BuildOption::no_hosts, {"true"}}}, v431).starts_with("--no-hosts needs podman 5.4"));
  // A value equal to what the service assumes when the key is absent needs nothing.
  CHECK(unsupported({{BuildOption::no_hosts, {"false"}}}, v431).empty());
  CHECK(unsupported({{BuildOption::identity_label, {"true"}}}, {4, 0, 0}).empty());
  CHECK(unsupported({{BuildOption::identity_label, {"false"}}}, {4, 0, 0})
            .starts_with("--identity-label needs podman 4.1"));
  CHECK(unsupported({{BuildOption::source_date_epoch, {"1"}}}, {5, 4, 2})
            .starts_with("--source-date-epoch needs podman 5.6"));
}

TEST_CASE("api build query: every option has its name and form")
{
  for (int option = 0; option <= static_cast<int>(BuildOption::volume); ++option) {
    CHECK(option_name(static_cast<BuildOption>(option)).starts_with("--"));
  }
  const auto q = query_for("5.4.2",
                           {{BuildOption::volume, {"/src:/dst:ro", "/x:/y"}},
                            {BuildOption::secret, {"id=a,src=.s-0,type=file"}},
                            {BuildOption::add_host, {"h:1.2.3.4"}},
                            {BuildOption::timestamp, {"0"}},
                            {BuildOption::env, {"A=1", "B="}},
                            {BuildOption::http_proxy, {"false"}},
                            {BuildOption::layer_label, {"k=v"}}},
                           "labels");
  CHECK(has(q, "&volume=/src:/dst:ro&volume=/x:/y"));
  CHECK(has(q, R"(&secrets=["id=a,src=.s-0,type=file"])"));
  CHECK(has(q, R"(&extrahosts=["h:1.2.3.4"])"));
  CHECK(has(q, "&timestamp=0"));
  CHECK(has(q, "&setenv=A=1&setenv=B="));
  CHECK_FALSE(has(q, "httpproxy")); // false is what the service assumes
  CHECK(has(q, "&layerLabel=k=v"));
  CHECK(has(q, "platform=linux/arm64&"));
  CHECK(has(q, R"(&labels=["b=2","a=1","novalue"])")); // an array, in command-line order
  // podman's CLI always sends the user namespace: without nsoptions RUN gets the host's network.
  CHECK(has(q, R"(&nsoptions=[{"Host":true,"Name":"user","Path":""}]&networkmode=0)"));
}

TEST_CASE("api build query: several platforms, repeated (podman 4.3.1 refuses a comma list), into a list")
{
  for (const std::string version : {"4.3.1", "5.4.2"}) {
    std::shared_ptr<pma::test::FakeHttp::State> state;
    auto client = client_for(version, state);
    state->answers.emplace_back(HttpResponse{200, {}, R"({"stream":")" + std::string(64, 'a') + "\\n\"}\n"});
    BuildRequest request;
    request.platform = *Platform::parse("linux/arm64");
    request.more_platforms = {"linux/amd64", "linux/s390x"};
    request.manifest = "localhost/podman-multiarch-group:1-linux-arm64v8";
    request.jobs = 3;
    REQUIRE(client->build(request, pma::test::empty_body, [](const BuildEvent&) {}));
    const std::string q = decoded(state->sent.back().target);
    CHECK(has(q, "platform=linux/arm64/v8&platform=linux/amd64&platform=linux/s390x&"));
    CHECK(has(q, "&manifest=localhost/podman-multiarch-group:1-linux-arm64v8"));
    CHECK(has(q, "&jobs=3"));
  }
}

TEST_CASE("api: naming an image, and finding images by their manifest digests (Digest or Digests)")
{
  std::shared_ptr<pma::test::FakeHttp::State> state;
  auto client = client_for("4.3.1", state);
  state->answers.emplace_back(HttpResponse{201, {}, ""});
  REQUIRE(client->tag_image("abc", "localhost/podman-multiarch-build:1-linux-amd64"));
  CHECK(decoded(state->sent.back().target) ==
        "/v4.3.1/libpod/images/abc/tag?repo=localhost/podman-multiarch-build&tag=1-linux-amd64");
  CHECK(state->sent.back().method == "POST");

  state->answers.emplace_back(HttpResponse{
      200,
      {},
      R"([{"Id":"i1","Digest":"sha256:a","Digests":["sha256:a"]},{"Id":"i2","Digest":"sha256:x","Digests":["sha256:x","sha256:b"]},{"Id":"i3","Digest":"sha256:c"},{"Digest":"sha256:d"}])"});
  const auto ids = client->image_ids_by_digest({"sha256:a", "sha256:b", "sha256:d", "sha256:e"});
  REQUIRE(ids);
  CHECK(*ids == std::map<std::string, std::string>{{"sha256:a", "i1"}, {"sha256:b", "i2"}});
  CHECK(decoded(state->sent.back().target) == "/v4.3.1/libpod/images/json?all=true");
}

TEST_CASE("api build query: forms that changed between versions")
{
  SUBCASE("cachefrom: one plain name on 4.2-4.3, a JSON array from 4.4")
  {
    CHECK(has(query_for("4.3.1", {{BuildOption::cache_from, {"quay.io/a/cache"}}}), "&cachefrom=quay.io/a/cache"));
    CHECK(
        has(query_for("4.4.0", {{BuildOption::cache_from, {"quay.io/a/cache"}}}), R"(&cachefrom=["quay.io/a/cache"])"));
  }
  SUBCASE("additionalbuildcontexts: a JSON map up to 5.5, repeated NAME=KIND:VALUE from 5.6")
  {
    const std::vector<BuildSetting> contexts = {
        {BuildOption::build_context, {"base=image:quay.io/a/b@sha256:1", "src=url:https://x/y.tar"}}};
    CHECK(has(query_for("5.4.2", contexts),
              R"(additionalbuildcontexts={"base":{"IsImage":true,"IsURL":false,"Value":"quay.io/a/b@sha256:1"},)"
              R"("src":{"IsImage":false,"IsURL":true,"Value":"https://x/y.tar"}})"));
    const auto q56 = query_for("5.6.0", contexts);
    CHECK(has(q56, "&additionalbuildcontexts=base=image:quay.io/a/b@sha256:1"));
    CHECK(has(q56, "&additionalbuildcontexts=src=url:https://x/y.tar"));
  }
  SUBCASE("namespaces: buildah's entries and network policy")
  {
    const auto q = query_for("4.3.1", {{BuildOption::network, {"none"}}, {BuildOption::pid, {"host"}}});
    CHECK(has(q, R"(nsoptions=[{"Host":true,"Name":"user","Path":""},{"Host":false,"Name":"network","Path":""},)"
                 R"({"Host":true,"Name":"pid","Path":""}]&networkmode=2)"));
    CHECK(has(query_for("4.3.1", {{BuildOption::network, {"none"}}}), "&networkmode=1"));
    CHECK(has(query_for("4.3.1", {{BuildOption::network, {"mynet"}}}),
              R"({"Host":false,"Name":"network","Path":"mynet"}]&networkmode=2)"));
  }
  SUBCASE("user namespace: buildah's nsoptions entry and idmappingoptions (4.3+)")
  {
    const auto q = query_for("4.3.1", {{BuildOption::userns_uid_map, {"0:100000:65536"}}});
    CHECK(has(q, R"(idmappingoptions={"AutoUserNs":false,)"));
    CHECK(has(q, R"("GIDMap":[{"containerID":0,"hostID":100000,"size":65536}])"));
    CHECK(has(q, R"("HostUIDMapping":false)"));
    CHECK(has(q, R"(nsoptions=[{"Host":false,"Name":"user","Path":""}])"));
    const auto automatic = query_for("5.4.2", {{BuildOption::userns, {"auto:size=2048,uidmapping=0:10:1"}}});
    CHECK(has(automatic, R"("AutoUserNs":true)"));
    CHECK(has(automatic, R"("AdditionalUIDMappings":[{"container_id":0,"host_id":10,"size":1}])"));
    CHECK(has(automatic, R"("Size":2048)"));
    CHECK(unsupported({{BuildOption::userns, {"private"}}}, {4, 2, 0}).starts_with("--userns needs podman 4.3"));
    CHECK(unsupported({{BuildOption::userns, {"host"}}}, {4, 2, 0}).empty());
  }
  SUBCASE("a service too old for an option is refused before anything is sent")
  {
    auto state = std::make_shared<pma::test::FakeHttp::State>();
    auto client = make_libpod_client(std::make_unique<pma::test::FakeHttp>(state), "old");
    state->answers.emplace_back(pma::test::ping_response("4.3.1"));
    REQUIRE(client->ping());
    BuildRequest request;
    request.settings = {{BuildOption::volume, {"/a:/b"}}};
    auto id = client->build(request, pma::test::empty_body, [](const BuildEvent&) {});
    REQUIRE_FALSE(id);
    CHECK(id.error().cls == pma::util::ErrorClass::usage);
    CHECK(id.error().describe().starts_with("host old: --volume needs podman 4.4"));
    CHECK(state->sent.size() == 1);
  }
}

TEST_SUITE_END();
