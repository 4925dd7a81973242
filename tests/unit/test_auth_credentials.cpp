#include <pma/auth/credentials.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace pma::auth;
using pma::util::ErrorClass;

TEST_SUITE_BEGIN("auth");

namespace {

std::string
auth_json(const std::string& entries)
{
  return R"({"auths": {)" + entries + "}}";
}

std::string
entry(const std::string& key, const std::string& user_pass)
{
  return "\"" + key + "\": {\"auth\": \"" + base64_encode(user_pass, false) + "\"}";
}

} // namespace

TEST_CASE("auth::base64")
{
  CHECK(base64_encode("", false).empty());
  CHECK(base64_encode("f", false) == "Zg==");
  CHECK(base64_encode("fo", false) == "Zm8=");
  CHECK(base64_encode("foo", false) == "Zm9v");
  CHECK(base64_encode("\xfb\xff", false) == "+/8=");
  CHECK(base64_encode("\xfb\xff", true) == "-_8=");
  CHECK(*base64_decode("Zm9vYg==") == "foob");
  CHECK(*base64_decode("Zm9vYg") == "foob");
  CHECK(*base64_decode("-_8=") == "\xfb\xff");
  CHECK_FALSE(base64_decode("Zm9v!"));
  CHECK_FALSE(base64_decode("Z"));
}

TEST_CASE("auth::normalize_key")
{
  CHECK(normalize_key("https://index.docker.io/v1/") == "docker.io");
  CHECK(normalize_key("http://quay.io/") == "quay.io");
  CHECK(normalize_key("registry-1.docker.io") == "docker.io");
  CHECK(normalize_key("quay.io/org/app") == "quay.io/org/app");
  CHECK(normalize_key("127.0.0.1:5000") == "127.0.0.1:5000");
}

TEST_CASE("auth::CredentialStore lookup: most specific key wins")
{
  auto store =
      CredentialStore::from_auth_json(auth_json(entry("quay.io", "reg:1") + "," + entry("quay.io/org", "ns:2") + "," +
                                                entry("quay.io/org/app", "repo:3") + "," +
                                                entry("https://index.docker.io/v1/", "hub:4") + ",\"empty.io\": {}"),
                                      "auth.json");
  REQUIRE(store);
  CHECK(store->lookup("quay.io/org/app:1.4")->username == "repo");
  CHECK(store->lookup("quay.io/org/app@sha256:abc")->password == "3");
  CHECK(store->lookup("quay.io/org/other")->username == "ns");
  CHECK(store->lookup("quay.io/elsewhere/x")->username == "reg");
  CHECK(store->lookup("quay.io")->username == "reg");
  CHECK(store->lookup("docker.io/library/alpine")->username == "hub");
  CHECK_FALSE(store->lookup("ghcr.io/a/b"));
  CHECK_FALSE(store->lookup("empty.io/a"));
  CHECK(store->source_of("quay.io/org/x") == "auth.json (key quay.io/org)");
}

TEST_CASE("auth::CredentialStore malformed files name the file and entry")
{
  const auto message = [](const std::string& text) {
    auto store = CredentialStore::from_auth_json(text, "/a/auth.json");
    REQUIRE_FALSE(store);
    CHECK(store.error().cls == ErrorClass::config);
    return store.error().message;
  };
  CHECK(message("{not json").starts_with("auth file /a/auth.json: invalid JSON at byte"));
  CHECK(message(R"({"auths": {"quay.io": {"auth": "!!!"}}})") ==
        "auth file /a/auth.json: entry \"quay.io\": \"auth\" is not valid base64");
  CHECK(message(auth_json("\"quay.io\": {\"auth\": \"" + base64_encode("nocolon", false) + "\"}")) ==
        "auth file /a/auth.json: entry \"quay.io\": \"auth\" must encode user:password");
  CHECK(message(R"({"auths": []})").find("must be an object") != std::string::npos);
  CHECK(message("[]").find("expected a JSON object") != std::string::npos);
}

TEST_CASE("auth::CredentialStore legacy .dockercfg and credHelpers")
{
  auto legacy = CredentialStore::from_auth_json("{" + entry("https://quay.io", "old:pw") + "}", ".dockercfg");
  REQUIRE(legacy);
  CHECK(legacy->lookup("quay.io/a/b")->username == "old");
  auto helpers = CredentialStore::from_auth_json(R"({"auths": {}, "credHelpers": {"123.dkr.ecr.aws": "ecr-login"}})",
                                                 "config.json");
  REQUIRE(helpers);
  CHECK(*helpers->helper_for("123.dkr.ecr.aws") == "ecr-login");
}

TEST_CASE("auth::auth_file_search_path and load")
{
  AuthEnvironment env;
  env.home = "/home/u";
  env.config_home = "/home/u/.config";
  env.uid = 1000;
  SUBCASE("default order")
  {
    const auto paths = auth_file_search_path({}, env);
    REQUIRE(paths.size() == 4);
    CHECK(paths[0] == "/run/containers/1000/auth.json");
    CHECK(paths[1] == "/home/u/.config/containers/auth.json");
    CHECK(paths[2] == "/home/u/.docker/config.json");
    CHECK(paths[3] == "/home/u/.dockercfg");
    env.xdg_runtime_dir = "/run/user/1000";
    CHECK(auth_file_search_path({}, env)[0] == "/run/user/1000/containers/auth.json");
  }
  SUBCASE("an explicit file replaces the search")
  {
    env.registry_auth_file = "/ci/auth.json";
    CHECK(auth_file_search_path({}, env) == std::vector<std::filesystem::path>{"/ci/auth.json"});
    CHECK(auth_file_search_path({"/flag.json", ""}, env) == std::vector<std::filesystem::path>{"/flag.json"});
    env.registry_auth_file.clear();
    env.docker_config = "/dc";
    CHECK(auth_file_search_path({}, env) == std::vector<std::filesystem::path>{"/dc/config.json"});
  }
  SUBCASE("load: first file with a match wins; --creds beats files; a missing explicit file is an error")
  {
    const auto dir = std::filesystem::temp_directory_path() / "pma-auth-test";
    std::filesystem::create_directories(dir / ".config/containers");
    std::filesystem::create_directories(dir / ".docker");
    std::ofstream(dir / ".config/containers/auth.json") << auth_json(entry("quay.io", "first:1"));
    std::ofstream(dir / ".docker/config.json")
        << auth_json(entry("quay.io/org", "second:2") + "," + entry("ghcr.io", "gh:3"));
    env.home = dir;
    env.config_home = dir / ".config";
    env.xdg_runtime_dir = (dir / "run").string();
    auto store = CredentialStore::load({}, env);
    REQUIRE(store);
    CHECK(store->lookup("quay.io/org/app")->username == "first"); // earlier file, even if less specific
    CHECK(store->lookup("ghcr.io/x/y")->username == "gh");
    auto creds = CredentialStore::load({"", "robot:s3cret"}, env);
    REQUIRE(creds);
    CHECK(creds->lookup("ghcr.io/x/y")->password == "s3cret");
    CHECK_FALSE(CredentialStore::load({"", "nopassword"}, env));
    auto missing = CredentialStore::load({(dir / "nope.json").string(), ""}, env);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("does not exist") != std::string::npos);
    std::filesystem::remove_all(dir);
  }
}

TEST_CASE("auth headers are base64url JSON")
{
  const Credential credential{"robot+ci", "p?>/+w", ""};
  const std::string header = registry_auth_header(credential);
  CHECK(header.find_first_of("+/") == std::string::npos);
  CHECK(*base64_decode(header) == R"({"password":"p?>/+w","username":"robot+ci"})");
  const std::string config = registry_config_header({{"quay.io", credential}});
  CHECK(*base64_decode(config) == R"({"quay.io":{"password":"p?>/+w","username":"robot+ci"}})");
}

TEST_CASE("auth::base_image_registries")
{
  const char* containerfile = R"(# syntax=docker/dockerfile:1
ARG BASE=quay.io/acme/base:1
ARG TOOLS_REGISTRY
FROM --platform=$BUILDPLATFORM ${TOOLS_REGISTRY:-ghcr.io}/tools/go:1.22 AS build
RUN make
FROM build AS test
FROM $BASE
COPY --from=build /out /out
COPY --from=docker.io/library/busybox:1 /bin/busybox /bin/
COPY --from=0 /x /x
FROM \
  scratch
FROM alpine:3
)";
  CHECK(base_image_registries(containerfile, {}) == std::vector<std::string>{"docker.io", "ghcr.io", "quay.io"});
  CHECK(base_image_registries(containerfile,
                              {{"BASE", "127.0.0.1:45443/lab/busybox"}, {"TOOLS_REGISTRY", "reg.example"}}) ==
        std::vector<std::string>{"127.0.0.1:45443", "docker.io", "reg.example"});
}

TEST_CASE("auth::CredentialStore refuses numbers out of range (a fuzzing finding)")
{
  const auto store = CredentialStore::from_auth_json(R"({"auths":{"quay.io":{"auth":1e99999}}})", "a.json");
  REQUIRE_FALSE(store);
  CHECK(store.error().message.find("auth file a.json: invalid JSON") == 0);
}

TEST_SUITE_END();
