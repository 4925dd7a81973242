#include <pma/transport/url.hpp>

#include <doctest/doctest.h>

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

TEST_SUITE_END();
