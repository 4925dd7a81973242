#include <pma/config/config_file.hpp>

#include <doctest/doctest.h>

using namespace pma::config;
using pma::util::ErrorClass;

TEST_SUITE_BEGIN("config");

namespace {

std::string
error_of(const std::string& yaml)
{
  auto config = parse_config(yaml, "/etc/pma.yaml");
  REQUIRE_FALSE(config);
  CHECK(config.error().cls == ErrorClass::config);
  return config.error().message;
}

} // namespace

TEST_CASE("config::parse_config reads the README example")
{
  const char* yaml = R"(hosts:
  x86:
    url: unix:///run/podman/podman.sock
  power9:
    url: ssh://ci@p9.example.com:22/run/user/1000/podman/podman.sock
    identity: ~/.ssh/id_ed25519
    known-hosts: ~/.ssh/known_hosts
    platforms: [linux/ppc64le]
  z15:
    connection: z15-builder
farms:
  release: [x86, power9, z15]
default-farm: release
)";
  auto config = parse_config(yaml, "c.yaml");
  REQUIRE(config);
  REQUIRE(config->hosts.size() == 3);
  CHECK(config->hosts[0].name == "x86"); // file order is kept
  CHECK(config->hosts[1].name == "power9");
  CHECK(config->hosts[1].url->user == "ci");
  CHECK(config->hosts[1].identity == "~/.ssh/id_ed25519");
  REQUIRE(config->hosts[1].platforms.size() == 1);
  CHECK(config->hosts[1].platforms[0].to_string() == "linux/ppc64le");
  CHECK(config->hosts[1].location.to_string() == "c.yaml:4:3");
  CHECK(config->hosts[2].connection == "z15-builder");
  CHECK_FALSE(config->hosts[2].url);
  REQUIRE(config->find_farm("release"));
  CHECK(config->find_farm("release")->members == std::vector<std::string>{"x86", "power9", "z15"});
  CHECK(config->default_farm == "release");
}

TEST_CASE("config::parse_config accepts empty files and URL shorthand")
{
  CHECK(parse_config("", "c.yaml")->hosts.empty());
  CHECK(parse_config("# nothing yet\n", "c.yaml")->hosts.empty());
  auto shorthand = parse_config("hosts:\n  a: unix:///a.sock\n", "c.yaml");
  REQUIRE(shorthand);
  CHECK(shorthand->hosts[0].url->path == "/a.sock");
  auto comma = parse_config("hosts:\n  a: {url: 'unix:///a.sock', platforms: 'linux/amd64,linux/arm64'}\n", "c.yaml");
  REQUIRE(comma);
  CHECK(comma->hosts[0].platforms.size() == 2);
}

TEST_CASE("config::parse_config errors carry file:line:col")
{
  SUBCASE("unknown key with a suggestion")
  {
    CHECK(error_of("hosts:\n  a:\n    ulr: unix:///a.sock\n") ==
          "/etc/pma.yaml:3:5: unknown key 'ulr' in host 'a', did you mean 'url'?");
    CHECK(error_of("host:\n  a: unix:///a.sock\n") == "/etc/pma.yaml:1:1: unknown key 'host', did you mean 'hosts'?");
    CHECK(error_of("hosts: {}\ndefault_farm: x\n") ==
          "/etc/pma.yaml:2:1: unknown key 'default_farm', did you mean 'default-farm'?");
  }
  SUBCASE("YAML syntax error")
  {
    const std::string message = error_of("hosts:\n  a: [unclosed\n");
    CHECK(message.starts_with("/etc/pma.yaml:"));
    CHECK(message.find("end of sequence") != std::string::npos);
  }
  SUBCASE("bad URL scheme")
  {
    const std::string message = error_of("hosts:\n  a:\n    url: http://x:80\n");
    CHECK(message.starts_with("/etc/pma.yaml:3:10: unsupported scheme 'http'"));
  }
  SUBCASE("bad platform")
  {
    CHECK(error_of("hosts:\n  a:\n    url: unix:///a.sock\n    platforms: [linux/amd64, linux]\n")
              .starts_with("/etc/pma.yaml:4:30: invalid platform 'linux'"));
  }
  SUBCASE("host without url or connection, or with both")
  {
    CHECK(error_of("hosts:\n  a:\n    identity: k\n") == "/etc/pma.yaml:2:3: host 'a' needs url: or connection:");
    CHECK(error_of("hosts:\n  a:\n    url: unix:///a\n    connection: c\n").find("has both url: and connection:") !=
          std::string::npos);
  }
  SUBCASE("structure")
  {
    CHECK(error_of("- a\n- b\n").find("must be a mapping") != std::string::npos);
    CHECK(error_of("farms:\n  f: a\n") == "/etc/pma.yaml:2:6: farm 'f' must be a list of host names");
    CHECK(error_of("farms:\n  f: []\n") == "/etc/pma.yaml:2:3: farm 'f' has no hosts");
    CHECK(error_of("hosts:\n  'bad name': unix:///a\n").find("invalid host name 'bad name'") != std::string::npos);
    CHECK(error_of("hosts:\n  a: unix:///a\n  a: unix:///b\n").find("defined twice") != std::string::npos);
  }
}

TEST_SUITE_END();
