#pragma once

#include <pma/util/error.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace pma::transport {

enum class Scheme { unix_socket, ssh, tcp };

const char* to_string(Scheme scheme);

// An absolute URL, "scheme://[userinfo@]authority[/path][?query]", split as
// podman (Go's net/url) splits host URLs and as registries' token realms and
// redirects are read. Nothing is decoded; parse_host_port checks the authority.
struct UrlParts {
  std::string scheme; // lowercase
  bool has_userinfo = false;
  std::string userinfo;  // before the authority's last '@'
  std::string authority; // "host[:port]", "[v6][:port]"
  std::string path;      // from the first '/' after the authority up to the query; "" if none
  std::string query;     // after the first '?' (without it); "" if none

  // What an HTTP request line asks for: the path (or "/") and any query.
  std::string target() const;
};

// nullopt if `text` has no "scheme://".
std::optional<UrlParts> split_url(std::string_view text);

struct HostPort {
  std::string host;  // IPv6 without brackets
  uint16_t port = 0; // 0: none given
};

// "host", "host:port", "[v6]" or "[v6]:port". Errors are of class config and
// name `what` ("host URL tcp://…", "registry 127.0.0.1:5000").
util::Result<HostPort> parse_host_port(std::string_view text, std::string_view what);

// Where a podman service listens, as podman writes it:
//   unix:///run/podman/podman.sock
//   ssh://[user[:password]@]host[:port]/path/to/podman.sock
//   tcp://host:port[/prefix]   (every request path is prefixed, as podman ≥ 5.3 does)
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
