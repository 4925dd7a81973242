#pragma once

#include <pma/transport/http.hpp>
#include <pma/transport/url.hpp>
#include <pma/util/error.hpp>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

namespace pma::transport {

struct DialOptions {
  std::string host_name;             // configured name, for messages
  std::filesystem::path identity;    // SSH private key; empty: ssh-agent, then default keys
  std::filesystem::path known_hosts; // empty: ~/.ssh/known_hosts
  bool accept_new_host_keys = false; // like OpenSSH StrictHostKeyChecking=accept-new
  std::chrono::milliseconds connect_timeout = k_default_connect_timeout;
};

// A live route to one host's API socket. HTTP clients connect to endpoint();
// for SSH the connection owns the session and the bridge that serves it, and
// tears both down when destroyed.
class Connection {
public:
  virtual ~Connection() = default;
  virtual const Endpoint& endpoint() const = 0;
  // How the host is reached, for hosts check: "ssh", "ssh via JUMP",
  // "ssh (dial-stdio)" (podman system dial-stdio, where sshd refuses socket
  // forwarding); "" for the schemes with one way only.
  virtual std::string
  route() const
  {
    return {};
  }
};

// Opens connections for one URL scheme. One implementation per scheme; tests
// can substitute their own.
class Dialer {
public:
  virtual ~Dialer() = default;
  virtual util::Result<std::unique_ptr<Connection>> dial(const HostUrl& url, const DialOptions& options) = 0;
};

// The built-in dialer for `scheme`.
Dialer& dialer_for(Scheme scheme);

// Dials `url` with the built-in dialer for its scheme.
util::Result<std::unique_ptr<Connection>> dial(const HostUrl& url, const DialOptions& options);

// Implemented in ssh_bridge.cpp.
std::unique_ptr<Dialer> make_ssh_dialer();

} // namespace pma::transport
