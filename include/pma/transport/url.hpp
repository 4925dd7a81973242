#pragma once

#include <pma/util/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace pma::transport {

enum class Scheme { unix_socket, ssh, tcp };

const char* to_string(Scheme scheme);

// Where a podman service listens, as podman writes it:
//   unix:///run/podman/podman.sock
//   ssh://[user[:password]@]host[:port]/path/to/podman.sock
//   tcp://host:port[/prefix]
struct HostUrl {
  Scheme scheme = Scheme::unix_socket;
  std::string user;     // ssh only; empty: the local user name
  std::string password; // ssh only; a secret — never formatted, see redacted()
  std::string host;     // ssh and tcp; IPv6 without brackets
  uint16_t port = 0;    // ssh and tcp; 0 for ssh means 22
  std::string path;     // unix: socket path; ssh: remote socket path; tcp: path prefix

  static util::Result<HostUrl> parse(std::string_view text);

  // The URL with any password replaced by "***": the only form that may appear
  // in output, logs and error messages.
  std::string redacted() const;

  uint16_t effective_port() const;

  // "host" or "[v6]" — for messages and known_hosts keys.
  std::string host_for_display() const;

  bool operator==(const HostUrl&) const = default;
};

// Whether `text` looks like a URL rather than a name (has "scheme://").
bool looks_like_url(std::string_view text);

} // namespace pma::transport
