#pragma once

// Private to src/transport's ssh_*.cpp: a jump host's tunnel (ProxyJump).
#include <atomic>
#include <memory>
#include <string>
#include <thread>

#include "ssh_pipe.hpp"
#include "ssh_session.hpp"

namespace pma::transport::detail {

// A direct-tcpip channel through a jump host's session to the next host,
// joined to one end of a socket pair; the next session runs over the other
// end. A thread of its own owns the jump session and moves the bytes, with
// keepalives on the jump session.
class JumpTunnel {
public:
  JumpTunnel(SshSession hop, Pipe pipe, std::string label);
  ~JumpTunnel();
  JumpTunnel(const JumpTunnel&) = delete;
  JumpTunnel& operator=(const JumpTunnel&) = delete;

private:
  void run();
  // Processes packets for no channel of ours (window adjustments, keepalive replies).
  ssh_event event();

  SshSession m_hop;
  Pipe m_pipe;
  const std::string m_label;
  std::unique_ptr<ssh_event_struct, decltype(&ssh_event_free)> m_event{nullptr, &ssh_event_free};
  int m_wake[2] = {-1, -1};
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

} // namespace pma::transport::detail
