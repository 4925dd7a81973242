#pragma once

// The OpenSSH client configuration (ssh_config(5)) as it applies to one host,
// read the way `ssh HOST` reads it, so that ssh://ALIAS/… reaches what `ssh
// ALIAS` reaches. Nothing here runs a program: a ProxyCommand (or a Match
// exec) is reported, never executed.
#include <pma/util/error.hpp>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace pma::transport {

// Where a value came from: "FILE:LINE".
struct SshConfigValue {
  std::string value;
  std::string origin;
};

// One hop of ProxyJump: [user@]host[:port] (or an ssh:// URL).
struct SshJump {
  std::string user; // empty: as the hop's own configuration says
  std::string host; // an alias: the hop's own configuration applies
  uint16_t port = 0;
};

struct SshHostConfig {
  std::string alias;                                 // the name looked up
  std::string host_name;                             // HostName (tokens expanded); else the alias
  uint16_t port = 0;                                 // Port; 0: not set
  std::string user;                                  // User; empty: not set
  std::vector<std::filesystem::path> identity_files; // IdentityFile, in order, expanded
  bool identities_only = false;
  std::vector<std::filesystem::path> known_hosts_files; // UserKnownHostsFile, expanded
  std::string strict_host_key_checking;                 // yes, no, ask, accept-new, off; "" not set
  std::vector<SshJump> proxy_jump;                      // empty: none
  std::string proxy_jump_origin;
  std::optional<SshConfigValue> proxy_command; // set (not "none"): refused by the dialer
  int server_alive_interval = -1;              // seconds; -1: not set
  int server_alive_count_max = -1;             // -1: not set
  std::vector<std::string> files_read;         // for messages

  // StrictHostKeyChecking accept-new, no or off: unknown keys are recorded
  // (a changed key is refused whatever it says).
  bool accepts_new_host_keys() const;
};

struct SshConfigFiles {
  // Read in order, the first value of each keyword wins; a missing file is
  // skipped. Default: ~/.ssh/config, then /etc/ssh/ssh_config.
  std::vector<std::filesystem::path> files;
  std::string local_user; // %u, and User's default for %r; default: $USER / the passwd entry

  static SshConfigFiles standard();
};

// What applies to `alias`: Host and Match (all, host, originalhost, user,
// localuser, final; canonical and exec never match — exec would run a
// program) blocks, Include (globs; relative to ~/.ssh, or /etc/ssh in the
// system file). `user` is the user the URL names ("" if none) — what Match
// user compares and %r expands to until User sets one. Errors (a bad line, a
// keyword's bad value) are of class config and name the file and line.
util::Result<SshHostConfig> resolve_ssh_config(const std::string& alias, const std::string& user,
                                               const SshConfigFiles& files);

// ProxyJump's value: "none" or a comma list of [user@]host[:port] and
// ssh://[user@]host[:port].
util::Result<std::vector<SshJump>> parse_proxy_jump(const std::string& value, const std::string& origin);

} // namespace pma::transport
