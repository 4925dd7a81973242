#include <pma/auth/credentials.hpp>
#include <pma/util/base64.hpp>
#include <pma/util/redact.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

using namespace pma::auth;
using pma::util::base64_decode;
using pma::util::base64_encode;
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
  return R"(")" + key + R"(": {"auth": ")" + base64_encode(user_pass, false) + R"("})";
}

} // namespace

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
  CHECK(store->lookup("docker://quay.io/x")->username == "reg");
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
  // Found by fuzzing: these threw instead of failing.
  CHECK(message(R"({"auths": {"docker.io": {"identitytoken": {"auth": "x"}}}})") ==
        "auth file /a/auth.json: entry \"docker.io\": \"identitytoken\" must be a string");
  CHECK(message(R"({"auths": {"quay.io": {"auth": 42}}})") ==
        "auth file /a/auth.json: entry \"quay.io\": \"auth\" must be a string");
}

TEST_CASE("auth::CredentialStore legacy .dockercfg")
{
  auto legacy = CredentialStore::from_auth_json("{" + entry("https://quay.io", "old:pw") + "}", ".dockercfg");
  REQUIRE(legacy);
  CHECK(legacy->lookup("quay.io/a/b")->username == "old");
}

TEST_CASE("auth::CredentialStore: every reference form podman takes, one rule")
{
  auto store = CredentialStore::from_auth_json(
      auth_json(entry("127.0.0.1:5000/acme/app", "repo:1") + "," + entry("127.0.0.1:5000/acme", "ns:2") + "," +
                entry("docker.io/library/alpine", "hub:3") + "," + entry("docker.io", "hubreg:4")),
      "auth.json");
  REQUIRE(store);
  CHECK(store->lookup("docker://127.0.0.1:5000/acme/app:s390x")->username == "repo");
  CHECK(store->lookup("127.0.0.1:5000/acme/app@sha256:" + std::string(64, 'a'))->username == "repo");
  CHECK(store->lookup("docker://127.0.0.1:5000/acme/other")->username == "ns");
  CHECK(store->lookup("docker://alpine")->username == "hub");
  CHECK(store->lookup("alpine:3")->username == "hub");
  CHECK(store->lookup("docker://acme/tool")->username == "hubreg");
  CHECK_FALSE(store->lookup("containers-storage:127.0.0.1:5000/acme/app"));
  CHECK_FALSE(store->lookup("oci-archive:/tmp/app.tar"));
  CHECK(store->source_of("docker://127.0.0.1:5000/acme/x") == "auth.json (key 127.0.0.1:5000/acme)");
}

TEST_CASE("auth::CredentialStore credHelpers and credsStore: said once, never run")
{
  const auto dir = std::filesystem::temp_directory_path() / "pma-auth-helpers";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "a.json") << R"({"auths": {"quay.io": {"auth": ")" + base64_encode("stale:pw", false) +
                                       R"("}}, "credHelpers": {"quay.io": "ecr-login"}, "credsStore": "desktop"})";
  auto store = CredentialStore::load({(dir / "a.json").string(), ""}, {});
  REQUIRE(store);
  std::vector<std::string> notices;
  store->on_notice([&notices](const std::string& message) { notices.push_back(message); });
  // The helper comes first in its file, as in containers/image: not the stale entry.
  CHECK_FALSE(store->lookup("quay.io/acme/app"));
  CHECK_FALSE(store->lookup("quay.io/acme/other:1"));
  REQUIRE(notices.size() == 1);
  CHECK(notices[0].find("names the credential helper docker-credential-ecr-login for quay.io") != std::string::npos);
  CHECK(notices[0].find("never runs programs") != std::string::npos);
  CHECK(store->header_for({"quay.io/acme/app"}).empty());
  CHECK_FALSE(store->lookup("ghcr.io/x/y"));
  REQUIRE(notices.size() == 2);
  CHECK(notices[1].find("docker-credential-desktop (credsStore)") != std::string::npos);
  CHECK(notices[1].find("no credentials for ghcr.io") != std::string::npos);
  std::filesystem::remove_all(dir);
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

TEST_CASE("auth headers: base64url multi-registry JSON keyed by repository")
{
  const Credential credential{"robot+ci", "p?>/+w", ""};
  const std::string config = registry_config_header({{"quay.io", credential}});
  CHECK(config.find_first_of("+/") == std::string::npos);
  CHECK(*base64_decode(config) == R"({"quay.io":{"password":"p?>/+w","username":"robot+ci"}})");
  auto store = CredentialStore::from_auth_json(
      auth_json(entry("quay.io/org/app", "repo:1") + "," + entry("quay.io/base", "base:2")), "auth.json");
  REQUIRE(store);
  CHECK(
      *base64_decode(store->header_for({"docker://quay.io/org/app:1", "quay.io/base/os:9", "ghcr.io/x/y"})) ==
      R"({"quay.io/base/os":{"password":"2","username":"base"},"quay.io/org/app":{"password":"1","username":"repo"}})");
  CHECK(store->header_for({"ghcr.io/x/y"}).empty());
}

TEST_CASE("auth::CredentialStore::header_for_all: what lookup() would find, in one file")
{
  const auto dir = std::filesystem::temp_directory_path() / "pma-auth-all";
  std::filesystem::create_directories(dir / ".config/containers");
  std::filesystem::create_directories(dir / ".docker");
  std::ofstream(dir / ".config/containers/auth.json")
      << R"({"auths": {"quay.io": {"auth": ")" + base64_encode("first:1", false) + R"("}},
             "credHelpers": {"ecr.example": "ecr-login"}})";
  std::ofstream(dir / ".docker/config.json") << auth_json(
      entry("quay.io/org", "second:2") + "," + entry("ghcr.io", "gh:3") + "," + entry("ecr.example/repo", "stale:4"));
  AuthEnvironment env;
  env.home = dir;
  env.config_home = dir / ".config";
  env.xdg_runtime_dir = (dir / "run").string();
  auto store = CredentialStore::load({}, env);
  REQUIRE(store);
  // quay.io/org is covered by the earlier file's quay.io, ecr.example by its helper.
  CHECK(*base64_decode(store->header_for_all()) ==
        R"({"ghcr.io":{"password":"3","username":"gh"},"quay.io":{"password":"1","username":"first"}})");
  auto creds = CredentialStore::load({"", "robot:pw"}, env);
  REQUIRE(creds);
  CHECK(*base64_decode(creds->header_for_all()) == R"({"password":"pw","username":"robot"})");
  std::filesystem::remove_all(dir);
}

TEST_CASE("auth::CredentialStore::header_for_all sends what lookup() finds, key by key")
{
  auto store =
      CredentialStore::from_auth_json(R"({"auths": {"quay.io/org": {"auth": ")" + base64_encode("org:1", false) + R"("},
                    "ghcr.io": {"auth": ")" +
                                          base64_encode("gh:2", false) + R"("}},
          "credHelpers": {"quay.io": "ecr-login"}})",
                                      "a.json");
  REQUIRE(store);
  store->on_notice([](const std::string&) {});
  // The helper comes first in its file: nothing for quay.io/org, here or in the header.
  CHECK_FALSE(store->lookup("quay.io/org/app"));
  CHECK_FALSE(store->has_credential("quay.io/org/app"));
  CHECK(store->has_credential("ghcr.io/x/y"));
  CHECK(*base64_decode(store->header_for_all()) == R"({"ghcr.io":{"password":"2","username":"gh"}})");
}

TEST_CASE("auth::CredentialStore::registry_login: Basic, or a refresh form for an identity token")
{
  auto store = CredentialStore::from_auth_json(
      auth_json(entry("r.io", "pma:pw") + R"(,"t.io/team":{"identitytoken":"id-tok/en"})"), "a.json");
  REQUIRE(store);
  auto login = store->registry_login("r.io/app:1", "r.io", "repository:app:pull");
  CHECK(login.basic == "Basic " + base64_encode("pma:pw", false));
  CHECK(login.refresh_form.empty());
  login = store->registry_login("docker://t.io/team/app", "auth service", "repository:team/app:pull");
  CHECK(login.basic.empty());
  CHECK(login.refresh_form == "grant_type=refresh_token&client_id=podman-multiarch&service=auth%20service&"
                              "scope=repository%3Ateam%2Fapp%3Apull&refresh_token=id-tok%2Fen");
  login = store->registry_login("t.io/other/app", "", "repository:other/app:pull");
  CHECK(login.basic.empty());
  CHECK(login.refresh_form.empty());
  auto creds = CredentialStore::load({"", "robot:s3cret"}, {});
  REQUIRE(creds);
  CHECK(creds->registry_login("anywhere.io/x", "", "").basic == "Basic " + base64_encode("robot:s3cret", false));
}

TEST_CASE("auth::CredentialStore refuses numbers out of range (a fuzzing finding)")
{
  const auto store = CredentialStore::from_auth_json(R"({"auths":{"quay.io":{"auth":1e99999}}})", "a.json");
  REQUIRE_FALSE(store);
  CHECK(store.error().message.find("auth file a.json: invalid JSON") == 0);
}

TEST_CASE("auth::CredentialStore takes a password that is not UTF-8 (a fuzzing finding)")
{
  // base64 of "u:p\xff\xfeword": registering its JSON-escaped form for redaction threw.
  const auto store = CredentialStore::from_auth_json(R"({"auths":{"quay.io":{"auth":"dTpw//53b3Jk"}}})", "a.json");
  REQUIRE(store);
  REQUIRE(store->lookup("quay.io/app"));
  CHECK(store->lookup("quay.io/app")->password == "p\xff\xfeword");
}

TEST_SUITE_END();

TEST_CASE("auth::CredentialStore registers every form of a credential for redaction")
{
  pma::util::redact::clear();
  const std::string pair_b64 = base64_encode("pma:pa\"ss-w0rd", false);
  auto store = CredentialStore::from_auth_json(
      R"({"auths":{"r.io":{"auth":")" + pair_b64 + R"("},"t.io":{"identitytoken":"id-tok/en+1"}}})", "a.json");
  REQUIRE(store);
  const std::string header = store->header_for({"r.io/app:1"});
  for (const std::string& secret :
       {std::string("pa\"ss-w0rd"), std::string(R"(pa\"ss-w0rd)"), std::string("pma:pa\"ss-w0rd"), pair_b64,
        base64_encode("pma:pa\"ss-w0rd", true), std::string("id-tok/en+1"), std::string("id-tok%2Fen%2B1"), header}) {
    CAPTURE(secret);
    CHECK(pma::util::redact::apply("<" + secret + ">") == "<*****>");
  }
  CHECK(pma::util::redact::apply("pma r.io") == "pma r.io"); // the user name is no secret
  pma::util::redact::clear();
}
