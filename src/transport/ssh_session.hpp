#pragma once

// Private to src/transport's ssh_*.cpp, the only files that include libssh.
#include <pma/transport/connection.hpp>
#include <pma/util/error.hpp>

#include <libssh/libssh.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

namespace pma::transport::detail {

// ServerAliveInterval and ServerAliveCountMax: after `interval` without a
// packet from the server, a keepalive@openssh.com request; after
// `count_max` of them unanswered, the session is dead. Besides finding dead
// peers, the traffic keeps NAT and firewall state alive through a long
// silent build.
struct KeepAlive {
  std::chrono::seconds interval{30}; // 0: off
  int count_max = 3;
};

// Tracks one session's keepalives (for the thread that polls it). How long
// the server has been silent is the kernel's (TCP_INFO's time since data was
// last received): libssh consumes replies inside other calls, so watching
// the socket would miss them. A session over a jump host's tunnel (not TCP)
// gets keepalives but no verdict: its tunnel's own session judges the link.
class KeepAliveClock {
public:
  explicit KeepAliveClock(KeepAlive settings);
  // Sends a keepalive when the server has been silent for an interval;
  // false once count_max of them went unanswered.
  bool tick(ssh_session session);
  // How long the poll may wait before tick() has work, in milliseconds.
  int poll_timeout(int longest) const;

private:
  KeepAlive m_settings;
  std::chrono::steady_clock::time_point m_last_sent;
  int m_unanswered = 0;
};

class JumpTunnel;

// A connected, verified, authenticated session, with the jump hosts it goes
// through (ProxyJump), which live as long as it does.
class SshSession {
public:
  SshSession() = default;
  SshSession(SshSession&&) noexcept;
  SshSession& operator=(SshSession&&) noexcept;
  ~SshSession();

  ssh_session
  get() const
  {
    return m_session.get();
  }
  const KeepAlive&
  keepalive() const
  {
    return m_keepalive;
  }
  // "" or "via JUMP[,JUMP]" (the ProxyJump aliases) — for hosts check.
  const std::string&
  route() const
  {
    return m_route;
  }

private:
  friend util::Result<SshSession> open_session(const HostUrl& url, const DialOptions& options);
  friend class SessionOpener;

  std::vector<std::unique_ptr<JumpTunnel>> m_tunnels; // destroyed after the session
  std::unique_ptr<ssh_session_struct, decltype(&ssh_free)> m_session{nullptr, &ssh_free};
  KeepAlive m_keepalive;
  std::string m_route;
};

// Connects as `url` says, with what ~/.ssh/config and /etc/ssh/ssh_config
// say for its host (an alias), through its ProxyJump hosts if any; checks
// every host key against known_hosts and authenticates: the same checks for
// the first session and for every reconnection.
util::Result<SshSession> open_session(const HostUrl& url, const DialOptions& options);

} // namespace pma::transport::detail
