#include <pma/config/podman_conf.hpp>

#include <doctest/doctest.h>

using namespace pma::config;

TEST_SUITE_BEGIN("config");

TEST_CASE("config::merge_containers_conf")
{
  PodmanSettings settings;
  const char* system = R"(
[engine]
active_service = "builder-amd64"
[engine.service_destinations.builder-amd64]
uri = "ssh://build@10.0.0.5:22/run/user/1000/podman/podman.sock"
identity = "/home/me/.ssh/id_ed25519"
[engine.service_destinations.builder-arm64]
uri = "ssh://build@10.0.0.6/run/user/1000/podman/podman.sock"
[farms]
default = "multiarch"
[farms.list]
multiarch = ["builder-amd64", "builder-arm64"]
)";
  REQUIRE(merge_containers_conf(system, "/etc/containers/containers.conf", settings));
  CHECK(settings.default_connection() == "builder-amd64");
  CHECK(settings.default_farm() == "multiarch");
  REQUIRE(settings.find_connection("builder-amd64"));
  CHECK(settings.find_connection("builder-amd64")->identity == "/home/me/.ssh/id_ed25519");
  auto members = settings.farm_members(*settings.find_farm("multiarch"));
  REQUIRE(members);
  CHECK(members->size() == 2);

  SUBCASE("a later file overrides keys of an earlier one")
  {
    REQUIRE(merge_containers_conf(R"(
[engine]
active_service = "builder-arm64"
[engine.service_destinations.builder-amd64]
uri = "unix:///run/podman/podman.sock"
)",
                                  "~/.config/containers/containers.conf", settings));
    CHECK(settings.default_connection() == "builder-arm64");
    CHECK(settings.find_connection("builder-amd64")->uri == "unix:///run/podman/podman.sock");
    CHECK(settings.find_connection("builder-arm64"));
  }
  SUBCASE("syntax errors carry file:line:col")
  {
    PodmanSettings other;
    auto bad = merge_containers_conf("[engine]\nactive_service = \n", "/etc/containers/containers.conf", other);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.starts_with("/etc/containers/containers.conf:2:"));
  }
  SUBCASE("a destination without uri")
  {
    PodmanSettings other;
    auto bad = merge_containers_conf("[engine.service_destinations.x]\nidentity = \"k\"\n", "f.conf", other);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.find("connection 'x' has no uri") != std::string::npos);
  }
}

TEST_CASE("config::merge_connections_json and podman's precedence")
{
  PodmanSettings settings;
  REQUIRE(merge_containers_conf(R"(
[engine]
active_service = "toml-only"
[engine.service_destinations.shared]
uri = "unix:///toml.sock"
[engine.service_destinations.toml-only]
uri = "unix:///toml-only.sock"
[farms]
default = "tfarm"
[farms.list]
tfarm = ["shared", "toml-only"]
)",
                                "containers.conf", settings));
  // Key case as Go's decoder accepts it: case-insensitive.
  REQUIRE(merge_connections_json(R"({
  "connection": {"default": "shared",
                 "Connections": {"shared": {"uri": "unix:///json.sock", "Identity": "/k", "IsMachine": true},
                                 "json-only": {"URI": "ssh://u@h/run/podman.sock"}}},
  "Farm": {"Default": "jfarm", "List": {"jfarm": ["shared", "json-only"], "broken": ["toml-only"]}}
})",
                                 "podman-connections.json", settings));

  CHECK(settings.find_connection("shared")->uri == "unix:///json.sock"); // JSON wins
  CHECK(settings.find_connection("shared")->is_machine);
  CHECK(settings.default_connection() == "shared");
  CHECK(settings.default_farm() == "jfarm");
  CHECK(settings.connection_names() == std::vector<std::string>{"json-only", "shared", "toml-only"});

  SUBCASE("a TOML farm resolves only against containers.conf destinations")
  {
    auto members = settings.farm_members(*settings.find_farm("tfarm"));
    REQUIRE(members);
    CHECK((*members)[0].uri == "unix:///toml.sock");
  }
  SUBCASE("a JSON farm resolves only against JSON connections")
  {
    auto members = settings.farm_members(*settings.find_farm("jfarm"));
    REQUIRE(members);
    CHECK((*members)[0].uri == "unix:///json.sock");
    auto broken = settings.farm_members(*settings.find_farm("broken"));
    REQUIRE_FALSE(broken);
    CHECK(broken.error().message.find("'toml-only', which is not defined in podman-connections.json") !=
          std::string::npos);
  }
  SUBCASE("invalid JSON")
  {
    PodmanSettings other;
    auto bad = merge_connections_json("{\"Connection\": ", "p.json", other);
    REQUIRE_FALSE(bad);
    CHECK(bad.error().message.starts_with("p.json: invalid JSON"));
  }
}

TEST_CASE("config::merge_connections_json refuses numbers out of range (a fuzzing finding)")
{
  PodmanSettings settings;
  const auto merged = merge_connections_json("-98805E9886", "c.json", settings);
  REQUIRE_FALSE(merged);
  CHECK(merged.error().cls == pma::util::ErrorClass::config);
  CHECK(merged.error().message.find("c.json: invalid JSON") == 0);
}

TEST_SUITE_END();
