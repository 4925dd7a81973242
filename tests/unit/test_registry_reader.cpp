#include <pma/oci/digest.hpp>
#include <pma/registry/reader.hpp>
#include <pma/registry/writer.hpp>
#include <pma/util/base64.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "fake_http.hpp"

using namespace pma;
using transport::HttpResponse;

namespace {

const std::string k_index =
    R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})";

struct Fixture {
  std::shared_ptr<test::FakeHttp::State> state = std::make_shared<test::FakeHttp::State>();
  std::vector<transport::Endpoint> endpoints;
  auth::CredentialStore credentials;

  // Every connection answered by the fake, and recorded.
  registry::ReaderOptions
  options(const bool tls_verify = true)
  {
    registry::ReaderOptions options{.tls_verify = tls_verify, .cert_roots = {}};
    options.http = [this](const transport::Endpoint& endpoint) {
      endpoints.push_back(endpoint);
      return std::make_unique<test::FakeHttp>(state);
    };
    return options;
  }

  registry::Reader
  reader(const bool tls_verify = true)
  {
    return registry::Reader(credentials, options(tls_verify));
  }

  registry::Writer
  writer()
  {
    return registry::Writer(credentials, options());
  }

  void
  with_password()
  {
    credentials = *auth::CredentialStore::load({.creds = "pma:s3cret"}, auth::AuthEnvironment{});
  }
};

oci::ImageRef
image_ref(const std::string& text)
{
  return *oci::ImageRef::parse(text);
}

std::string
header_of(const transport::HttpRequest& request, const std::string& name)
{
  for (const auto& [key, value] : request.headers) {
    if (key == name) {
      return value;
    }
  }
  return {};
}

} // namespace

TEST_SUITE_BEGIN("registry");

TEST_CASE("registry::Writer uploads a blob where the registry says, with a push token")
{
  Fixture f;
  f.with_password();
  f.state->answers.emplace_back(HttpResponse{
      401, {{"WWW-Authenticate", R"(Bearer realm="https://auth.example.com/token",service="quay.io")"}}, ""});
  f.state->answers.emplace_back(HttpResponse{200, {}, R"({"token":"T0KEN"})"});
  f.state->answers.emplace_back(HttpResponse{404, {}, ""});
  f.state->answers.emplace_back(
      HttpResponse{202, {{"Location", "https://quay.io/v2/acme/app/blobs/uploads/u1?_state=abc"}}, ""});
  f.state->answers.emplace_back(HttpResponse{201, {}, ""});
  auto writer = f.writer();
  const auto digest = writer.put_blob(image_ref("quay.io/acme/app"), "payload");
  REQUIRE(digest);
  CHECK(*digest == oci::digest_of("payload"));
  REQUIRE(f.state->sent.size() == 5);
  CHECK(f.state->sent[1].target == "/token?service=quay.io&scope=repository%3Aacme%2Fapp%3Apull%2Cpush");
  CHECK(f.state->sent[2].method == "HEAD");
  CHECK(f.state->sent[2].target == "/v2/acme/app/blobs/" + *digest);
  CHECK(f.state->sent[3].method == "POST");
  CHECK(f.state->sent[3].target == "/v2/acme/app/blobs/uploads/?digest=" + *digest);
  CHECK(f.state->sent[3].body == "payload"); // taken whole by registries that can (201)
  CHECK(f.state->sent[4].method == "PUT");
  CHECK(f.state->sent[4].target == "/v2/acme/app/blobs/uploads/u1?_state=abc&digest=" + *digest);
  CHECK(f.state->sent[4].body == "payload");
  CHECK(header_of(f.state->sent[4], "Authorization") == "Bearer T0KEN");

  // Present already: not sent again; or sent without asking first.
  f.state->sent.clear();
  f.state->answers.emplace_back(HttpResponse{200, {}, ""});
  CHECK(writer.put_blob(image_ref("quay.io/acme/app"), "payload"));
  CHECK(f.state->sent.size() == 1);
  f.state->answers.emplace_back(HttpResponse{202, {{"Location", "/v2/acme/app/blobs/uploads/u2"}}, ""});
  f.state->answers.emplace_back(HttpResponse{403, {}, R"({"errors":[{"code":"DENIED","message":"no"}]})"});
  const auto refused = writer.put_blob(image_ref("quay.io/acme/app"), "other", /*skip_if_present=*/false);
  REQUIRE_FALSE(refused);
  CHECK(f.state->sent.back().target == "/v2/acme/app/blobs/uploads/u2?digest=" + oci::digest_of("other"));
  CHECK(refused.error().message == "quay.io refused the credentials from --creds for writing to acme/app: no");
}

TEST_CASE("registry::Writer puts a manifest with its media type, and removes a tag without its manifest")
{
  Fixture f;
  const std::string bytes = k_index;
  f.state->answers.emplace_back(HttpResponse{201, {{"Docker-Content-Digest", oci::digest_of(bytes)}}, ""});
  auto writer = f.writer();
  const auto put =
      writer.put_manifest(image_ref("127.0.0.1:5000/a/b:1"), "application/vnd.oci.image.index.v1+json", bytes);
  REQUIRE(put);
  CHECK(*put == oci::digest_of(bytes));
  CHECK(f.state->sent[0].method == "PUT");
  CHECK(f.state->sent[0].target == "/v2/a/b/manifests/1");
  CHECK(f.state->sent[0].content_type == "application/vnd.oci.image.index.v1+json");

  SUBCASE("a registry that deletes tags (OCI distribution 1.1)")
  {
    f.state->answers.emplace_back(HttpResponse{202, {}, ""});
    CHECK(*writer.remove_tag(image_ref("127.0.0.1:5000/a/b:staging"), "run"));
    CHECK(f.state->sent.back().method == "DELETE");
    CHECK(f.state->sent.back().target == "/v2/a/b/manifests/staging");
  }
  SUBCASE("distribution 2.x: the tag moves to a placeholder, deleted by digest")
  {
    f.state->answers.emplace_back(
        HttpResponse{400, {}, R"({"errors":[{"code":"DIGEST_INVALID","message":"provided digest did not match"}]})"});
    f.state->answers.emplace_back(HttpResponse{200, {}, ""}); // HEAD of the "{}" config
    f.state->answers.emplace_back(HttpResponse{201, {}, ""});
    f.state->answers.emplace_back(HttpResponse{202, {}, ""});
    CHECK(*writer.remove_tag(image_ref("127.0.0.1:5000/a/b:staging"), "run-1"));
    REQUIRE(f.state->sent.size() == 5);
    CHECK(f.state->sent[3].target == "/v2/a/b/manifests/staging");
    CHECK(f.state->sent[3].body.find(R"("io.podman-multiarch.note":"run-1")") != std::string::npos);
    CHECK(f.state->sent[4].method == "DELETE");
    CHECK(f.state->sent[4].target == "/v2/a/b/manifests/" + oci::digest_of(f.state->sent[3].body));
  }
  SUBCASE("deletion disabled: false, the tag names the placeholder")
  {
    f.state->answers.emplace_back(HttpResponse{405, {}, R"({"errors":[{"code":"UNSUPPORTED"}]})"});
    f.state->answers.emplace_back(HttpResponse{200, {}, ""});
    f.state->answers.emplace_back(HttpResponse{201, {}, ""});
    f.state->answers.emplace_back(HttpResponse{405, {}, R"({"errors":[{"code":"UNSUPPORTED"}]})"});
    const auto removed = writer.remove_tag(image_ref("127.0.0.1:5000/a/b:staging"), "run");
    REQUIRE(removed);
    CHECK_FALSE(*removed);
  }
}

TEST_CASE("registry::parse_challenge")
{
  const auto challenge = registry::parse_challenge(
      R"(Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:a/b:pull")");
  CHECK(challenge.scheme == "bearer");
  CHECK(challenge.params.at("realm") == "https://auth.example.com/token");
  CHECK(challenge.params.at("service") == "registry.example.com");
  CHECK(challenge.params.at("scope") == "repository:a/b:pull");
  CHECK(registry::parse_challenge(R"(Basic realm="Registry Realm")").scheme == "basic");
  CHECK(registry::parse_challenge(R"(Basic realm="a \"quoted\" realm")").params.at("realm") == R"(a "quoted" realm)");
}

TEST_CASE("oci::digest_of")
{
  CHECK(oci::digest_of("") == "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST_CASE("registry::tls_settings_for reads certs.d like containers/image")
{
  const auto root = std::filesystem::temp_directory_path() / ("pma-certs-" + std::to_string(::getpid()));
  std::filesystem::create_directories(root / "second" / "reg.example.com:5000");
  std::filesystem::create_directories(root / "first" / "reg.example.com:5000");
  for (const char* name : {"b.crt", "a.crt", "client.cert", "client.key", "readme.txt"}) {
    std::ofstream(root / "first" / "reg.example.com:5000" / name) << "x";
  }
  std::ofstream(root / "second" / "reg.example.com:5000" / "other.crt") << "x";
  const auto tls =
      registry::tls_settings_for("reg.example.com:5000", {root / "missing", root / "first", root / "second"});
  const auto dir = (root / "first" / "reg.example.com:5000").string();
  CHECK(tls.enabled);
  CHECK(tls.ca_files == std::vector<std::string>{dir + "/a.crt", dir + "/b.crt"}); // the first directory only
  CHECK(tls.cert_file == dir + "/client.cert");
  CHECK(tls.key_file == dir + "/client.key");
  CHECK(registry::tls_settings_for("other.example.com", {root / "first"}).ca_files.empty());
  std::filesystem::remove_all(root);
}

TEST_CASE("registry::Reader reads a manifest with a bearer token")
{
  Fixture f;
  f.with_password();
  f.state->answers.emplace_back(HttpResponse{
      401, {{"WWW-Authenticate", R"(Bearer realm="https://auth.example.com/token",service="quay.io")"}}, ""});
  f.state->answers.emplace_back(HttpResponse{200, {}, R"({"token":"T0KEN"})"});
  f.state->answers.emplace_back(HttpResponse{
      200, {{"Content-Type", "application/vnd.oci.image.index.v1+json"}, {"Docker-Content-Digest", ""}}, k_index});
  auto reader = f.reader();
  const auto manifest = reader.manifest(image_ref("quay.io/acme/app:1.4"));
  REQUIRE(manifest);
  CHECK(manifest->bytes == k_index);
  CHECK(manifest->digest == oci::digest_of(k_index));
  CHECK(manifest->media_type == "application/vnd.oci.image.index.v1+json");
  REQUIRE(f.state->sent.size() == 3);
  CHECK(f.state->sent[0].target == "/v2/acme/app/manifests/1.4");
  CHECK(header_of(f.state->sent[0], "Accept").find("application/vnd.oci.image.index.v1+json") != std::string::npos);
  CHECK(header_of(f.state->sent[0], "Authorization").empty());
  CHECK(f.state->sent[1].target == "/token?service=quay.io&scope=repository%3Aacme%2Fapp%3Apull");
  CHECK(header_of(f.state->sent[1], "Authorization") == "Basic " + util::base64_encode("pma:s3cret", false));
  CHECK(header_of(f.state->sent[2], "Authorization") == "Bearer T0KEN");
  CHECK(f.endpoints[0].host == "quay.io");
  CHECK(f.endpoints[0].port == 443);
  CHECK(f.endpoints[0].tls.enabled);
  CHECK(f.endpoints[1].host == "auth.example.com");
}

TEST_CASE("registry::Reader answers a basic challenge; docker.io lives at registry-1.docker.io")
{
  Fixture f;
  f.with_password();
  f.state->answers.emplace_back(HttpResponse{401, {{"WWW-Authenticate", R"(Basic realm="Registry")"}}, ""});
  f.state->answers.emplace_back(HttpResponse{200, {{"Content-Type", "application/json"}}, k_index});
  auto reader = f.reader();
  const auto manifest = reader.manifest(image_ref("docker.io/library/busybox@" + oci::digest_of(k_index)));
  REQUIRE(manifest);
  CHECK(manifest->media_type == "application/vnd.oci.image.index.v1+json"); // from the body
  CHECK(f.endpoints[0].host == "registry-1.docker.io");
  CHECK(header_of(f.state->sent[1], "Authorization") == "Basic " + util::base64_encode("pma:s3cret", false));
}

TEST_CASE("registry::Reader refuses bytes that do not match the digest asked for or announced")
{
  Fixture f;
  f.state->answers.emplace_back(HttpResponse{200, {}, k_index});
  auto reader = f.reader();
  const auto by_digest = reader.manifest(image_ref("quay.io/a/b@sha256:" + std::string(64, '0')));
  REQUIRE_FALSE(by_digest);
  CHECK(by_digest.error().cls == util::ErrorClass::protocol);
  f.state->answers.emplace_back(
      HttpResponse{200, {{"Docker-Content-Digest", "sha256:" + std::string(64, '1')}}, k_index});
  const auto announced = reader.manifest(image_ref("quay.io/a/b:1"));
  REQUIRE_FALSE(announced);
  CHECK(announced.error().message.find("announced digest") != std::string::npos);
}

TEST_CASE("registry::Reader caps the manifest size")
{
  Fixture f;
  f.state->answers.emplace_back(HttpResponse{200, {}, std::string(registry::k_max_manifest_size + 1, ' ')});
  auto reader = f.reader();
  const auto manifest = reader.manifest(image_ref("quay.io/a/b:1"));
  REQUIRE_FALSE(manifest);
  CHECK(manifest.error().cls == util::ErrorClass::protocol);
  CHECK(manifest.error().message == "quay.io sent more than 4 MiB in its answer to GET /v2/a/b/manifests/1: refused");
  // Error answers are read for their message only: the transport keeps 64 KiB of them.
  CHECK(f.state->sent.back().max_body == registry::k_max_error_size);
}

TEST_CASE("registry::Reader explains a missing tag with the tags there are")
{
  Fixture f;
  const std::string unknown = R"({"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]})";
  f.state->answers.emplace_back(HttpResponse{404, {}, unknown});
  f.state->answers.emplace_back(HttpResponse{200, {}, R"({"name":"a/b","tags":["1.5","latest","stable"]})"});
  auto reader = f.reader();
  auto missing = reader.manifest(image_ref("quay.io/a/b:1.6"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().cls == util::ErrorClass::registry);
  CHECK(missing.error().message == "quay.io/a/b:1.6: no tag 1.6 in quay.io/a/b");
  CHECK(missing.error().hint == "did you mean quay.io/a/b:1.5?");
  CHECK(f.state->sent[1].target == "/v2/a/b/tags/list");

  f.state->answers.emplace_back(HttpResponse{404, {}, unknown});
  f.state->answers.emplace_back(HttpResponse{404, {}, R"({"errors":[{"code":"NAME_UNKNOWN"}]})"});
  missing = reader.manifest(image_ref("quay.io/a/nothing:1"));
  REQUIRE_FALSE(missing);
  CHECK(missing.error().message == "quay.io/a/nothing:1: no such repository quay.io/a/nothing");
}

TEST_CASE("registry::Reader reports refused and missing credentials as auth errors")
{
  Fixture f;
  f.with_password();
  const HttpResponse challenge{401, {{"WWW-Authenticate", R"(Basic realm="r")"}}, ""};
  f.state->answers.emplace_back(challenge);
  f.state->answers.emplace_back(challenge);
  auto reader = f.reader();
  auto refused = reader.manifest(image_ref("quay.io/a/b:1"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().cls == util::ErrorClass::auth);
  CHECK(refused.error().message == "quay.io refused the credentials from --creds for a/b");
  CHECK(refused.error().describe().find("s3cret") == std::string::npos);

  Fixture anonymous;
  anonymous.state->answers.emplace_back(challenge);
  anonymous.state->answers.emplace_back(challenge);
  auto reader2 = anonymous.reader();
  auto none = reader2.manifest(image_ref("quay.io/a/b:1"));
  REQUIRE_FALSE(none);
  CHECK(none.error().message == "quay.io requires authentication to read a/b and no credentials were found for it");
}

TEST_CASE("registry::Reader trades an identity token with a POST")
{
  Fixture f;
  f.credentials = *auth::CredentialStore::from_auth_json(R"({"auths":{"quay.io":{"identitytoken":"REFRESH"}}})", "t");
  f.state->answers.emplace_back(
      HttpResponse{401, {{"WWW-Authenticate", R"(Bearer realm="https://quay.io/oauth/token",service="quay.io")"}}, ""});
  f.state->answers.emplace_back(HttpResponse{200, {}, R"({"access_token":"ACCESS"})"});
  f.state->answers.emplace_back(HttpResponse{200, {}, k_index});
  auto reader = f.reader();
  REQUIRE(reader.manifest(image_ref("quay.io/a/b:1")));
  CHECK(f.state->sent[1].method == "POST");
  CHECK(f.state->sent[1].body.find("grant_type=refresh_token") != std::string::npos);
  CHECK(f.state->sent[1].body.find("refresh_token=REFRESH") != std::string::npos);
  CHECK(header_of(f.state->sent[2], "Authorization") == "Bearer ACCESS");
}

TEST_CASE("registry::Reader with --tls-verify=false falls back to plain HTTP")
{
  Fixture f;
  f.state->answers.emplace_back(util::fail(util::ErrorClass::connect, "TLS handshake with 127.0.0.1:5000 failed"));
  f.state->answers.emplace_back(HttpResponse{200, {}, k_index});
  auto reader = f.reader(/*tls_verify=*/false);
  REQUIRE(reader.manifest(image_ref("127.0.0.1:5000/a/b:1")));
  CHECK(f.endpoints[0].tls.enabled);
  CHECK_FALSE(f.endpoints[0].tls.verify);
  CHECK_FALSE(f.endpoints[1].tls.enabled);
  CHECK(f.endpoints[1].port == 5000);

  Fixture strict;
  strict.state->answers.emplace_back(util::fail(util::ErrorClass::connect, "TLS handshake with 127.0.0.1:5000 failed"));
  auto reader2 = strict.reader();
  const auto refused = reader2.manifest(image_ref("127.0.0.1:5000/a/b:1"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().hint == "if 127.0.0.1:5000 serves plain HTTP, --tls-verify=false allows it");
}

TEST_CASE("registry::Reader::platform_of follows the blob redirect without credentials")
{
  Fixture f;
  f.with_password();
  const std::string config = R"({"architecture":"arm64","os":"linux","variant":"v8"})";
  const std::string manifest_bytes = R"({"schemaVersion":2,"config":{"digest":")" + oci::digest_of(config) + R"("}})";
  f.state->answers.emplace_back(HttpResponse{401, {{"WWW-Authenticate", R"(Basic realm="r")"}}, ""});
  f.state->answers.emplace_back(HttpResponse{307, {{"Location", "https://storage.example.com/blob?sig=1"}}, ""});
  f.state->answers.emplace_back(HttpResponse{200, {}, config});
  auto reader = f.reader();
  const auto platform = reader.platform_of(image_ref("quay.io/a/b:1"), {manifest_bytes, "", ""});
  REQUIRE(platform);
  CHECK(platform->to_string() == "linux/arm64/v8");
  CHECK(f.state->sent[2].target == "/blob?sig=1");
  CHECK(header_of(f.state->sent[2], "Authorization").empty());
  CHECK(f.endpoints[2].host == "storage.example.com");
}

TEST_CASE("registry::Reader keeps one token per repository")
{
  Fixture f;
  f.with_password();
  const HttpResponse challenge{401, {{"WWW-Authenticate", R"(Bearer realm="https://quay.io/token")"}}, ""};
  for (const char* token : {R"({"token":"A"})", R"({"token":"B"})"}) {
    f.state->answers.emplace_back(challenge);
    f.state->answers.emplace_back(HttpResponse{200, {}, token});
    f.state->answers.emplace_back(HttpResponse{200, {}, k_index});
  }
  f.state->answers.emplace_back(HttpResponse{200, {}, k_index});
  auto reader = f.reader();
  REQUIRE(reader.manifest(image_ref("quay.io/a/one:1")));
  REQUIRE(reader.manifest(image_ref("quay.io/a/two:1")));
  REQUIRE(reader.manifest(image_ref("quay.io/a/one:2"))); // reuses A: no new challenge
  CHECK(header_of(f.state->sent[2], "Authorization") == "Bearer A");
  CHECK(header_of(f.state->sent[5], "Authorization") == "Bearer B");
  REQUIRE(f.state->sent.size() == 7);
  CHECK(header_of(f.state->sent[6], "Authorization") == "Bearer A");
}

TEST_CASE("registry::Reader reads realms and redirects with transport's URL and host:port parsers")
{
  Fixture f;
  f.with_password();
  f.state->answers.emplace_back(HttpResponse{
      401, {{"WWW-Authenticate", R"(Bearer realm="https://[::1]:8443/v2/token?account=x",service="r")"}}, ""});
  f.state->answers.emplace_back(HttpResponse{200, {}, R"({"token":"T"})"});
  f.state->answers.emplace_back(HttpResponse{200, {}, k_index});
  auto reader = f.reader();
  REQUIRE(reader.manifest(image_ref("quay.io/a/b:1")));
  CHECK(f.endpoints[1].host == "::1");
  CHECK(f.endpoints[1].port == 8443);
  CHECK(f.endpoints[1].label == "[::1]:8443");
  CHECK(f.state->sent[1].target == "/v2/token?account=x&service=r&scope=repository%3Aa%2Fb%3Apull");

  Fixture bad;
  bad.state->answers.emplace_back(
      HttpResponse{401, {{"WWW-Authenticate", R"(Bearer realm="https://auth.example.com:99999/token")"}}, ""});
  auto reader2 = bad.reader();
  const auto refused = reader2.manifest(image_ref("quay.io/a/b:1"));
  REQUIRE_FALSE(refused);
  CHECK(refused.error().message == "quay.io sent a token challenge without a usable realm");

  Fixture port;
  auto reader3 = port.reader();
  const auto invalid = reader3.manifest(image_ref("127.0.0.1:99999/a/b:1"));
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().message == "invalid port '99999' in registry address 127.0.0.1:99999 (expected 1-65535)");
  CHECK(port.state->sent.empty());
}

TEST_CASE("registry::Reader marks a proxy's or registry's overload as transient")
{
  Fixture f;
  f.state->answers.emplace_back(HttpResponse{502, {}, "<html><head><title>502 Bad Gateway</title></head></html>"});
  f.state->answers.emplace_back(HttpResponse{400, {}, R"({"errors":[{"code":"MANIFEST_INVALID","message":"bad"}]})"});
  auto reader = f.reader();
  const auto busy = reader.manifest(image_ref("quay.io/a/b:1"));
  REQUIRE_FALSE(busy);
  CHECK(busy.error().cls == util::ErrorClass::registry);
  CHECK(busy.error().transient);
  const auto invalid = reader.manifest(image_ref("quay.io/a/b:1"));
  REQUIRE_FALSE(invalid);
  CHECK(invalid.error().message == "quay.io/a/b:1: the registry answered 400: bad");
  CHECK_FALSE(invalid.error().transient);
}

TEST_SUITE_END();
