#pragma once

// Private to src/transport's ssh_*.cpp: a jump host's tunnel (ProxyJump).
#include <string>

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

  SshSession m_hop;
  Pipe m_pipe;
  const std::string m_label;
  SessionEvent m_event;
  PollThread m_thread;
};

} // namespace pma::transport::detail
