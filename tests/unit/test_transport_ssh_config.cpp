// ssh_config(5) read as the OpenSSH client reads it for one host.
#include <pma/transport/ssh_config.hpp>

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace pma::transport;
namespace fs = std::filesystem;

TEST_SUITE_BEGIN("transport");

namespace {

struct ConfigDir {
  fs::path path;
  std::string old_home;
  ConfigDir()
  {
    std::string templ = (fs::temp_directory_path() / "pma-sshcfg-XXXXXX").string();
    path = ::mkdtemp(templ.data());
    fs::create_directories(path / "home/.ssh");
    old_home = std::getenv("HOME") != nullptr ? std::getenv("HOME") : "";
    ::setenv("HOME", (path / "home").c_str(), 1);
  }
  ~ConfigDir()
  {
    ::setenv("HOME", old_home.c_str(), 1);
    fs::remove_all(path);
  }
  ConfigDir(const ConfigDir&) = delete;
  ConfigDir& operator=(const ConfigDir&) = delete;

  fs::path
  write(const std::string& relative, const std::string& text) const
  {
    fs::create_directories((path / relative).parent_path());
    std::ofstream(path / relative) << text;
    return path / relative;
  }
  SshConfigFiles
  files(const std::string& user_text, const std::string& system_text = "") const
  {
    return {.files = {write("home/.ssh/config", user_text), write("etc/ssh_config", system_text)}, .local_user = "me"};
  }
  fs::path
  home() const
  {
    return path / "home";
  }
};

SshHostConfig
resolved(const std::string& alias, const SshConfigFiles& files, const std::string& user = "")
{
  auto config = resolve_ssh_config(alias, user, files);
  if (!config) {
    FAIL(config.error().message);
  }
  return *config;
}

std::string
error_of(const std::string& alias, const SshConfigFiles& files)
{
  auto config = resolve_ssh_config(alias, "", files);
  REQUIRE_FALSE(config);
  CHECK(config.error().cls == pma::util::ErrorClass::config);
  return config.error().message;
}

} // namespace

TEST_CASE("ssh_config: an alias's keywords, the first value winning, the system file after the user's")
{
  ConfigDir dir;
  const auto files = dir.files(R"(# comment
Host p9 p9.*
  HostName 10.0.0.9
  Port 2222
  User builder
  IdentityFile ~/.ssh/p9_key
  IdentitiesOnly yes
  UserKnownHostsFile ~/.ssh/known_p9 /etc/ssh/other
  StrictHostKeyChecking accept-new
  ServerAliveInterval 15
  ServerAliveCountMax 4

Host *
  Port 22
  User nobody
  IdentityFile ~/.ssh/id_common
  ServerAliveInterval 60
)",
                               "Host *\n  StrictHostKeyChecking yes\n  User system\n");
  const auto p9 = resolved("p9", files);
  CHECK(p9.host_name == "10.0.0.9");
  CHECK(p9.port == 2222);
  CHECK(p9.user == "builder");
  CHECK(p9.identity_files == std::vector<fs::path>{dir.home() / ".ssh/p9_key", dir.home() / ".ssh/id_common"});
  CHECK(p9.identities_only);
  CHECK(p9.known_hosts_files == std::vector<fs::path>{dir.home() / ".ssh/known_p9", "/etc/ssh/other"});
  CHECK(p9.strict_host_key_checking == "accept-new");
  CHECK(p9.accepts_new_host_keys());
  CHECK(p9.server_alive_interval == 15);
  CHECK(p9.server_alive_count_max == 4);
  CHECK(p9.files_read.size() == 2);

  const auto other = resolved("other.example", files);
  CHECK(other.host_name == "other.example");
  CHECK(other.port == 22);
  CHECK(other.user == "nobody");
  CHECK(other.strict_host_key_checking == "yes");
  CHECK_FALSE(other.accepts_new_host_keys());
  CHECK(other.server_alive_interval == 60);
  CHECK(other.server_alive_count_max == -1);
  CHECK_FALSE(other.identities_only);

  CHECK(resolved("p9.lab", files).host_name == "10.0.0.9");
  CHECK(resolved("P9", files).port == 2222); // host patterns ignore case
}

TEST_CASE("ssh_config: patterns, negation, Key=value and quotes")
{
  ConfigDir dir;
  const auto files = dir.files(R"(
Host build-? !build-x
  User=single
Host "*.s390x.example",*.ppc.example
  Port = 2200
Host *
  HostName "%h.internal"
)");
  CHECK(resolved("build-1", files).user == "single");
  CHECK(resolved("build-x", files).user.empty());
  CHECK(resolved("build-10", files).user.empty());
  CHECK(resolved("lpar.s390x.example", files).port == 2200);
  CHECK(resolved("a.ppc.example", files).port == 2200);
  CHECK(resolved("a.ppc.example", files).host_name == "a.ppc.example.internal");
}

TEST_CASE("ssh_config: Match blocks")
{
  ConfigDir dir;
  const auto files = dir.files(R"(
Host z
  HostName z.real
Match host z.real user root
  Port 1001
Match originalhost y !user root
  Port 1002
Match exec "true"
  Port 1003
Match localuser me
  IdentityFile ~/.ssh/%u_%r_%h_%p_%n_%%
Match all
  User fallback
)");
  CHECK(resolved("z", files, "root").port == 1001); // Match host sees HostName
  CHECK(resolved("z", files).port == 0);            // user is fallback there, not root
  CHECK(resolved("y", files).port == 1002);
  CHECK(resolved("x", files).port == 0); // exec never runs, never matches
  const auto z = resolved("z", files, "root");
  CHECK(z.identity_files == std::vector<fs::path>{dir.home() / ".ssh/me_root_z.real_1001_z_%"});
  CHECK(resolved("x", files).user == "fallback");

  // A criterion of a newer OpenSSH: the block is skipped, the rest still read.
  CHECK(resolved("x", dir.files("Match tagged prod\n  Port 1\nHost *\n  Port 2\n")).port == 2);
  CHECK(error_of("x", dir.files("Match host\n")).find("Match host needs an argument") != std::string::npos);
}

TEST_CASE("ssh_config: Include, relative to ~/.ssh, with globs, applied only where its block matches")
{
  ConfigDir dir;
  dir.write("home/.ssh/config.d/10-lab", "Host lab\n  Port 3001\n  User labuser\n");
  dir.write("home/.ssh/config.d/20-more", "Host more\n  Port 3002\n");
  dir.write("inner", "Port 3003\n");
  const auto files = dir.files("Include config.d/*\nHost only\n  Include " + (dir.path / "inner").string() +
                               "\nHost *\n  Port 3009\n");
  CHECK(resolved("lab", files).port == 3001);
  CHECK(resolved("lab", files).user == "labuser");
  CHECK(resolved("more", files).port == 3002);
  CHECK(resolved("only", files).port == 3003);
  CHECK(resolved("else", files).port == 3009);
  CHECK(resolved("x", dir.files("Include " + (dir.path / "missing*").string() + "\n")).port == 0); // no file: nothing
  dir.write("loop", "Include " + (dir.path / "loop").string() + "\n");
  CHECK(error_of("x", dir.files("Include " + (dir.path / "loop").string() + "\n")).find("nested too deeply") !=
        std::string::npos);
}

TEST_CASE("ssh_config: ProxyJump and ProxyCommand, whichever comes first")
{
  ConfigDir dir;
  const auto files = dir.files(R"(
Host behind
  ProxyJump jumper@bastion:2022,ssh://second
Host cmd
  ProxyCommand nc -X connect -x proxy:3128 %h %p
Host none
  ProxyCommand none
Host *
  ProxyCommand never-reached %h
)");
  const auto behind = resolved("behind", files);
  REQUIRE(behind.proxy_jump.size() == 2);
  CHECK(behind.proxy_jump[0].user == "jumper");
  CHECK(behind.proxy_jump[0].host == "bastion");
  CHECK(behind.proxy_jump[0].port == 2022);
  CHECK(behind.proxy_jump[1].host == "second");
  CHECK(behind.proxy_jump[1].port == 0);
  CHECK(behind.proxy_jump_origin.ends_with("config:3"));
  CHECK_FALSE(behind.proxy_command);

  const auto cmd = resolved("cmd", files);
  REQUIRE(cmd.proxy_command);
  CHECK(cmd.proxy_command->value == "nc -X connect -x proxy:3128 %h %p");
  CHECK(cmd.proxy_command->origin == (dir.home() / ".ssh/config").string() + ":5");
  CHECK_FALSE(resolved("none", files).proxy_command);
  CHECK(resolved("other", files).proxy_command->origin.ends_with("config:9"));
}

TEST_CASE("ssh_config: parse_proxy_jump")
{
  auto jumps = parse_proxy_jump("a,u@b:22,ssh://v@[fd00::1]:2200/", "x:1");
  REQUIRE(jumps);
  REQUIRE(jumps->size() == 3);
  CHECK((*jumps)[0].host == "a");
  CHECK((*jumps)[1].user == "u");
  CHECK((*jumps)[1].port == 22);
  CHECK((*jumps)[2].host == "fd00::1");
  CHECK((*jumps)[2].user == "v");
  CHECK((*jumps)[2].port == 2200);
  CHECK(parse_proxy_jump("none", "x:1")->empty());
  for (const char* bad : {"@host", "host:99999", ",", "a,,b"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_proxy_jump(bad, "x:1"));
  }
}

TEST_CASE("ssh_config: errors name the file and line")
{
  ConfigDir dir;
  CHECK(error_of("a", dir.files("Host a\n  Port eighty\n"))
            .ends_with("config:2: Port \"eighty\" is not a number from 0 to 65535"));
  CHECK(error_of("a", dir.files("Host a\n  StrictHostKeyChecking maybe\n")).find("config:2: StrictHostKeyChecking") !=
        std::string::npos);
  CHECK(error_of("a", dir.files("Host a\n  IdentityFile ~/%z\n")).find("token %z") != std::string::npos);
  CHECK(error_of("a", dir.files("Host a\n  User \"open\n")).find("unterminated quote") != std::string::npos);
  CHECK(error_of("a", dir.files("Port\n")).ends_with("config:1: port needs a value"));
  // A port set in a block that does not apply is never checked.
  CHECK(resolved("b", dir.files("Host a\n  Port eighty\n")).port == 0);
}
