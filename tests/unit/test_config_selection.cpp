#include <pma/config/selection.hpp>

#include <doctest/doctest.h>

using namespace pma::config;
using pma::util::ErrorClass;

TEST_SUITE_BEGIN("config");

namespace {

ConfigFile
lab_config()
{
  auto config = parse_config(R"(hosts:
  amd64:
    url: unix:///lab/amd64.sock
  arm64:
    url: ssh://root@127.0.0.1:42222/lab/arm64.sock
    identity: /lab/id
    known-hosts: /lab/known_hosts
    platforms: [linux/arm64]
  z15:
    connection: z15-builder
    identity: /lab/z15-key
farms:
  lab: [amd64, arm64]
  mixed: [amd64, pconn]
default-farm: lab
)",
                             "/lab/c.yaml");
  REQUIRE(config);
  return *config;
}

PodmanSettings
podman_settings()
{
  PodmanSettings settings;
  REQUIRE(merge_containers_conf(R"(
[engine.service_destinations.z15-builder]
uri = "ssh://z@z15/run/podman/podman.sock"
identity = "/conn-key"
[engine.service_destinations.pconn]
uri = "unix:///pconn.sock"
[farms]
default = "pfarm"
[farms.list]
pfarm = ["pconn"]
)",
                                "containers.conf", settings));
  return settings;
}

std::vector<std::string>
names(const std::vector<Host>& hosts)
{
  std::vector<std::string> out;
  for (const auto& host : hosts) {
    out.push_back(host.name);
  }
  return out;
}

} // namespace

TEST_CASE("config::select_hosts order of precedence")
{
  const std::optional<ConfigFile> config = lab_config();
  const PodmanSettings podman = podman_settings();
  SelectionEnvironment env;
  env.local_socket = "/run/podman/podman.sock";

  SUBCASE("the config's default farm")
  {
    auto hosts = select_hosts({}, config, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"amd64", "arm64"});
    CHECK((*hosts)[1].identity == "/lab/id");
    CHECK((*hosts)[1].known_hosts == "/lab/known_hosts");
    CHECK((*hosts)[1].platforms[0].to_string() == "linux/arm64/v8");
  }
  SUBCASE("--host by name, URL and NAME=URL with platforms, in order")
  {
    SelectionOptions options;
    options.hosts = {"arm64", "unix:///other.sock", "linux/ppc64le,linux/s390x@power9=ssh://ci@p9/run/podman.sock"};
    options.identity = "/cli-key";
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"arm64", "local", "power9"});
    CHECK((*hosts)[0].identity == "/lab/id"); // the host's own identity wins
    CHECK((*hosts)[2].identity == "/cli-key");
    REQUIRE((*hosts)[2].platforms.size() == 2);
    CHECK((*hosts)[2].platforms[1].to_string() == "linux/s390x");
    CHECK((*hosts)[2].origin == "--host");
    // A URL host checks ~/.ssh/known_hosts (empty), not a file named after its origin.
    CHECK((*hosts)[1].origin == "--host");
    CHECK((*hosts)[1].known_hosts.empty());
  }
  SUBCASE("a config host backed by a podman connection")
  {
    SelectionOptions options;
    options.hosts = {"z15"};
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE(hosts);
    CHECK((*hosts)[0].url.host == "z15");
    CHECK((*hosts)[0].identity == "/lab/z15-key");
  }
  SUBCASE("--connection and a farm mixing config hosts and podman connections")
  {
    SelectionOptions options;
    options.connections = {"z15-builder"};
    options.farm = "mixed";
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"z15-builder", "amd64", "pconn"});
    CHECK((*hosts)[0].identity == "/conn-key");
  }
  SUBCASE("CONTAINER_CONNECTION beats CONTAINER_HOST, both beat the config")
  {
    env.container_host = "ssh://u@envhost/run/podman/podman.sock";
    env.container_sshkey = "/env-key";
    auto hosts = select_hosts({}, config, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"envhost"});
    CHECK((*hosts)[0].identity == "/env-key");
    CHECK((*hosts)[0].origin == "CONTAINER_HOST");
    CHECK((*hosts)[0].known_hosts.empty());
    env.container_connection = "pconn";
    hosts = select_hosts({}, config, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"pconn"});
  }
  SUBCASE("without a config: podman's default farm, then the local socket")
  {
    auto hosts = select_hosts({}, std::nullopt, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"pconn"});
    hosts = select_hosts({}, std::nullopt, PodmanSettings{}, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"local"});
    CHECK((*hosts)[0].url.path == "/run/podman/podman.sock");
    CHECK((*hosts)[0].known_hosts.empty());
    CHECK((*hosts)[0].origin == "local podman socket");
  }
  SUBCASE("a config without default-farm means all its hosts")
  {
    auto no_default = parse_config("hosts:\n  a: unix:///a\n  b: unix:///b\n", "c.yaml");
    auto hosts = select_hosts({}, *no_default, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"a", "b"});
  }
  SUBCASE("a farm member also named by --host is used once; names derived from URLs get a suffix")
  {
    SelectionOptions options;
    options.hosts = {"amd64", "unix:///a.sock", "unix:///b.sock"};
    options.farm = "lab";
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"amd64", "local", "local-2", "arm64"});
  }
  SUBCASE("--host NAME=URL with a configured host's own URL is that host")
  {
    SelectionOptions options;
    options.hosts = {"linux/amd64@amd64=unix:///lab/amd64.sock"};
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE(hosts);
    CHECK(names(*hosts) == std::vector<std::string>{"amd64"});
  }
}

TEST_CASE("config::select_hosts refuses a name that stands for two hosts")
{
  const std::optional<ConfigFile> config = lab_config();
  const PodmanSettings podman = podman_settings();
  const SelectionEnvironment env;
  const auto refused = [&](const SelectionOptions& options) {
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE_FALSE(hosts);
    CHECK(hosts.error().cls == ErrorClass::usage);
    return hosts.error().describe();
  };
  SelectionOptions options;
  SUBCASE("the same --host twice")
  {
    options.hosts = {"amd64", "amd64"};
    CHECK(refused(options) == "--host amd64: given twice");
  }
  SUBCASE("the same URL twice")
  {
    options.hosts = {"unix:///a.sock", "unix:///a.sock"};
    CHECK(refused(options) == "--host unix:///a.sock: given twice");
  }
  SUBCASE("--host and --connection naming one host")
  {
    options.hosts = {"pconn"};
    options.connections = {"pconn"};
    CHECK(refused(options) == "--connection pconn: host 'pconn' is already selected by --host pconn");
  }
  SUBCASE("one name, two URLs on the command line")
  {
    options.hosts = {"x=unix:///a.sock", "x=unix:///b.sock"};
    CHECK(refused(options) == "--host x=unix:///b.sock: host 'x' is already selected by --host x=unix:///a.sock");
  }
  SUBCASE("a configured name given to another URL")
  {
    options.hosts = {"amd64=unix:///elsewhere.sock"};
    CHECK(refused(options) == "--host amd64=unix:///elsewhere.sock: 'amd64' is already a configured host "
                              "(/lab/c.yaml:2:3, unix:///lab/amd64.sock) — give this URL another name, or use "
                              "--host amd64 alone");
  }
  SUBCASE("a podman connection's name given to another URL")
  {
    options.hosts = {"pconn=unix:///elsewhere.sock"};
    CHECK(refused(options).find("'pconn' is already a configured host (podman connection from containers.conf, "
                                "unix:///pconn.sock)") != std::string::npos);
  }
  SUBCASE("a farm member whose name --host gives to another URL")
  {
    options.hosts = {"arm64x=unix:///a.sock"};
    options.farm = "lab";
    auto hosts = select_hosts(options, config, podman, env);
    CHECK(hosts); // different names: fine
  }
}

TEST_CASE("config::select_hosts errors")
{
  const std::optional<ConfigFile> config = lab_config();
  const PodmanSettings podman = podman_settings();
  const SelectionEnvironment env;

  SUBCASE("unknown host name, with a suggestion")
  {
    SelectionOptions options;
    options.hosts = {"amd46"};
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE_FALSE(hosts);
    CHECK(hosts.error().cls == ErrorClass::usage);
    CHECK(hosts.error().message.find("unknown host 'amd46', did you mean 'amd64'?") != std::string::npos);
  }
  SUBCASE("unknown farm")
  {
    SelectionOptions options;
    options.farm = "lba";
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE_FALSE(hosts);
    CHECK(hosts.error().message.find("unknown farm 'lba', did you mean 'lab'?") != std::string::npos);
  }
  SUBCASE("a farm member that exists nowhere names its location")
  {
    auto bad = parse_config("hosts:\n  a: unix:///a\nfarms:\n  f: [a, b]\ndefault-farm: f\n", "c.yaml");
    auto hosts = select_hosts({}, *bad, podman, env);
    REQUIRE_FALSE(hosts);
    CHECK(hosts.error().cls == ErrorClass::config);
    CHECK(hosts.error().message == "c.yaml:4:10: farm 'f' names unknown host 'b'");
  }
  SUBCASE("a default-farm that exists nowhere")
  {
    auto bad = parse_config("hosts:\n  a: unix:///a\ndefault-farm: nope\n", "c.yaml");
    auto hosts = select_hosts({}, *bad, PodmanSettings{}, env);
    REQUIRE_FALSE(hosts);
    CHECK(hosts.error().cls == ErrorClass::config);
    CHECK(hosts.error().message.find("default-farm (c.yaml:3:15): unknown farm 'nope'") != std::string::npos);
  }
  SUBCASE("bad URL in --host and in CONTAINER_HOST")
  {
    SelectionOptions options;
    options.hosts = {"x=ftp://h/x"};
    CHECK_FALSE(select_hosts(options, config, podman, env));
    SelectionEnvironment bad_env;
    bad_env.container_host = "ssh://h";
    auto hosts = select_hosts({}, config, podman, bad_env);
    REQUIRE_FALSE(hosts);
    CHECK(hosts.error().message.starts_with("CONTAINER_HOST: "));
  }
  SUBCASE("bad platform in --host")
  {
    SelectionOptions options;
    options.hosts = {"linux/arm65@x=unix:///x"};
    auto hosts = select_hosts(options, config, podman, env);
    REQUIRE_FALSE(hosts);
    CHECK(hosts.error().cls == ErrorClass::usage);
  }
}

TEST_SUITE_END();
