// The threads' side of SSH sessions: keepalives, and the tunnels through jump
// hosts (ssh_tunnel.hpp).
#include "ssh_tunnel.hpp"

#include <pma/util/log.hpp>

#include <libssh/server.h> // ssh_send_keepalive (for client sessions too)
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <optional>

namespace pma::transport::detail {

// ---------------------------------------------------------------- keepalives

KeepAliveClock::KeepAliveClock(const KeepAlive settings)
  : m_settings(settings)
  , m_last_sent(std::chrono::steady_clock::now())
{
}

namespace {

// How long ago data last came in on TCP socket `fd`; nullopt if not TCP.
std::optional<std::chrono::milliseconds>
silence_of(const int fd)
{
  tcp_info info{};
  socklen_t length = sizeof(info);
  if (fd < 0 || ::getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &length) != 0) {
    return std::nullopt;
  }
  return std::chrono::milliseconds(info.tcpi_last_data_recv);
}

} // namespace

bool
KeepAliveClock::tick(ssh_session session)
{
  if (m_settings.interval.count() == 0) {
    return true;
  }
  const auto now = std::chrono::steady_clock::now();
  if (now - m_last_sent < m_settings.interval) {
    return true;
  }
  const auto silence = silence_of(ssh_get_fd(session));
  if (silence && *silence < now - m_last_sent) {
    m_unanswered = 0; // heard from since the last keepalive
  }
  if (silence && *silence < m_settings.interval) {
    return true; // heard from within the interval: no keepalive needed
  }
  if (silence && m_unanswered >= m_settings.count_max) {
    return false;
  }
  ssh_send_keepalive(session);
  m_unanswered += silence ? 1 : 0;
  m_last_sent = now;
  return true;
}

int
KeepAliveClock::poll_timeout(const int longest) const
{
  if (m_settings.interval.count() == 0) {
    return longest;
  }
  const auto due = m_last_sent + m_settings.interval - std::chrono::steady_clock::now();
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(due).count();
  return static_cast<int>(std::clamp<long long>(ms, 0, longest));
}

// ---------------------------------------------------------------- jump hosts

JumpTunnel::JumpTunnel(SshSession hop, Pipe pipe, std::string label)
  : m_hop(std::move(hop))
  , m_pipe(std::move(pipe))
  , m_label(std::move(label))
{
  m_event.watch(m_hop.get());
  if (!m_thread.start([this] { run(); })) {
    ::shutdown(m_pipe.fd, SHUT_RDWR); // the session through it sees the end at once
  }
}

JumpTunnel::~JumpTunnel()
{
  m_thread.stop();
  close_pipe(m_pipe, ssh_is_connected(m_hop.get()) != 0);
  m_event.unwatch();
  ssh_disconnect(m_hop.get());
}

void
JumpTunnel::run()
{
  KeepAliveClock clock(m_hop.keepalive());
  while (!m_thread.stopping() && !m_pipe.finished()) {
    const bool moved = pump_remote(m_pipe);
    if (!clock.tick(m_hop.get())) {
      util::log::info("ssh jump host {}: no answer to keepalives; the tunnel is closed", m_label);
      break;
    }
    pollfd fds[3] = {{m_thread.wake_fd(), POLLIN, 0},
                     {m_pipe.reading_remote() ? ssh_get_fd(m_hop.get()) : -1, POLLIN, 0},
                     {m_pipe.fd, m_pipe.local_events(), 0}};
    if (::poll(fds, 3, moved ? 0 : clock.poll_timeout(1000)) < 0 && errno != EINTR) {
      break;
    }
    if ((fds[1].revents & POLLIN) != 0) {
      m_event.process();
    }
    if ((fds[2].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !m_pipe.local_eof) {
      pump_local(m_pipe);
    }
  }
  ::shutdown(m_pipe.fd, SHUT_RDWR); // the session through it sees the end
}

} // namespace pma::transport::detail
