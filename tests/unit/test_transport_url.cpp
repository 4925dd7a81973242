#include <pma/transport/url.hpp>

#include <doctest/doctest.h>

#include <string_view>
#include <utility>
#include <vector>

using namespace pma::transport;

TEST_SUITE_BEGIN("transport");

TEST_CASE("transport::HostUrl::parse unix")
{
  auto url = HostUrl::parse("unix:///run/podman/podman.sock");
  REQUIRE(url);
  CHECK(url->scheme == Scheme::unix_socket);
  CHECK(url->path == "/run/podman/podman.sock");
  CHECK(url->redacted() == "unix:///run/podman/podman.sock");

  SUBCASE("relative paths are made absolute, as podman does")
  {
    CHECK(HostUrl::parse("unix://run/podman.sock")->path == "/run/podman.sock");
  }
  SUBCASE("scheme is case-insensitive")
  {
    CHECK(HostUrl::parse("UNIX:///x.sock")->path == "/x.sock");
  }
  SUBCASE("no path")
  {
    CHECK_FALSE(HostUrl::parse("unix://"));
  }
}

TEST_CASE("transport::HostUrl::parse ssh")
{
  auto url = HostUrl::parse("ssh://ci@p9.example.com:2222/run/user/1000/podman/podman.sock");
  REQUIRE(url);
  CHECK(url->scheme == Scheme::ssh);
  CHECK(url->user == "ci");
  CHECK(url->host == "p9.example.com");
  CHECK(url->port == 2222);
  CHECK(url->path == "/run/user/1000/podman/podman.sock");
  CHECK(url->redacted() == "ssh://ci@p9.example.com:2222/run/user/1000/podman/podman.sock");

  SUBCASE("default port and user")
  {
    auto plain = HostUrl::parse("ssh://host/run/podman/podman.sock");
    REQUIRE(plain);
    CHECK(plain->port == 0);
    CHECK(plain->effective_port() == 22);
    CHECK(plain->user.empty());
  }
  SUBCASE("IPv6")
  {
    auto v6 = HostUrl::parse("ssh://root@[::1]:22/run/podman/podman.sock");
    REQUIRE(v6);
    CHECK(v6->host == "::1");
    CHECK(v6->host_for_display() == "[::1]");
    CHECK(v6->redacted() == "ssh://root@[::1]:22/run/podman/podman.sock");
  }
  SUBCASE("a password is never shown")
  {
    auto secret = HostUrl::parse("ssh://ci:hunter2@host/run/podman/podman.sock");
    REQUIRE(secret);
    CHECK(secret->password == "hunter2");
    CHECK(secret->redacted() == "ssh://ci:***@host/run/podman/podman.sock");
    auto bad_port = HostUrl::parse("ssh://ci:hunter2@host:99999/run/podman/podman.sock");
    REQUIRE_FALSE(bad_port);
    CHECK(bad_port.error().message.find("hunter2") == std::string::npos);
  }
  SUBCASE("percent-encoded user")
  {
    CHECK(HostUrl::parse("ssh://build%40corp@h/x.sock")->user == "build@corp");
    CHECK_FALSE(HostUrl::parse("ssh://bad%4@h/x.sock"));
  }
  SUBCASE("podman 4.0's ?secure=true is accepted and dropped")
  {
    CHECK(HostUrl::parse("ssh://h/run/podman/podman.sock?secure=true")->path == "/run/podman/podman.sock");
  }
  SUBCASE("socket path is required")
  {
    auto missing = HostUrl::parse("ssh://ci@host:22");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message.find("no remote socket path") != std::string::npos);
    CHECK(missing.error().hint.find("podman info") != std::string::npos);
  }
  SUBCASE("bad ports")
  {
    CHECK_FALSE(HostUrl::parse("ssh://h:0/x.sock"));
    CHECK_FALSE(HostUrl::parse("ssh://h:abc/x.sock"));
    CHECK_FALSE(HostUrl::parse("ssh://h:/x.sock"));
    CHECK_FALSE(HostUrl::parse("ssh://[::1/x.sock"));
  }
}

TEST_CASE("transport::HostUrl::parse tcp")
{
  auto url = HostUrl::parse("tcp://10.1.2.3:8888");
  REQUIRE(url);
  CHECK(url->scheme == Scheme::tcp);
  CHECK(url->host == "10.1.2.3");
  CHECK(url->port == 8888);
  CHECK(url->path.empty());
  CHECK(HostUrl::parse("tcp://h:1/prefix")->path == "/prefix");
  CHECK(HostUrl::parse("tcp://h:1/prefix/")->path == "/prefix/"); // as given; the dialer drops the '/'
  CHECK(HostUrl::parse("tcp://h:1/prefix?x=1")->path == "/prefix");
  CHECK_FALSE(HostUrl::parse("tcp://h"));
  CHECK_FALSE(HostUrl::parse("tcp://u:p@h:1"));
}

TEST_CASE("transport::HostUrl::parse unknown scheme")
{
  auto url = HostUrl::parse("shh://host/x.sock");
  REQUIRE_FALSE(url);
  CHECK(url.error().message.find("did you mean 'ssh'") != std::string::npos);
  CHECK_FALSE(HostUrl::parse("/run/podman/podman.sock"));
  CHECK_FALSE(HostUrl::parse("http://h:80"));
}

TEST_CASE("transport::split_url: Go's split, nothing decoded")
{
  auto parts = split_url("HTTPS://user:p%40ss@[::1]:5000/v2/token?service=a&scope=b");
  REQUIRE(parts);
  CHECK(parts->scheme == "https");
  CHECK(parts->has_userinfo);
  CHECK(parts->userinfo == "user:p%40ss");
  CHECK(parts->authority == "[::1]:5000");
  CHECK(parts->path == "/v2/token");
  CHECK(parts->query == "service=a&scope=b");
  CHECK(parts->target() == "/v2/token?service=a&scope=b");

  parts = split_url("https://auth.example.com?x=1");
  REQUIRE(parts);
  CHECK(parts->authority == "auth.example.com");
  CHECK(parts->path.empty());
  CHECK(parts->target() == "/?x=1");
  CHECK(split_url("https://storage.example.com")->target() == "/");
  CHECK(split_url("ssh://a@b@host/x")->userinfo == "a@b"); // the last '@' ends it
  CHECK_FALSE(split_url("ssh://host/x")->has_userinfo);
  CHECK_FALSE(split_url("quay.io/app"));
}

TEST_CASE("transport::parse_host_port")
{
  CHECK(parse_host_port("quay.io", "x")->host == "quay.io");
  CHECK(parse_host_port("quay.io", "x")->port == 0);
  CHECK(parse_host_port("127.0.0.1:5000", "x")->port == 5000);
  CHECK(parse_host_port("[::1]", "x")->host == "::1");
  CHECK(parse_host_port("[fe80::1]:443", "x")->port == 443);
  for (const auto& [text, message] : std::vector<std::pair<std::string_view, std::string_view>>{
           {"h:0", "invalid port '0' in registry R (expected 1-65535)"},
           {"h:99999", "invalid port '99999' in registry R (expected 1-65535)"},
           {"h:x", "invalid port 'x' in registry R (expected 1-65535)"},
           {"h:", "empty port in registry R"},
           {"[::1", "unterminated '[' in registry R"},
           {"[::1]x", "unexpected text after ']' in registry R"},
           {":80", "registry R names no host"}}) {
    const auto parsed = parse_host_port(text, "registry R");
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error().message == message);
    CHECK(parsed.error().cls == pma::util::ErrorClass::config);
  }
}

TEST_SUITE_END();
