// A local socket joined to an SSH channel, and the pieces of the threads that
// move them (ssh_pipe.hpp).
#include "ssh_pipe.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace pma::transport::detail {

namespace {

constexpr size_t k_chunk = size_t{64} * 1024;
constexpr size_t k_max_errors = 4096;

// An exec channel's stderr, kept for messages; read so that it never fills the window.
bool
drain_errors(Pipe& pipe)
{
  const int available = ssh_channel_poll(pipe.channel, 1);
  if (available <= 0) {
    return false;
  }
  char buffer[k_chunk];
  const int n = ssh_channel_read_nonblocking(
      pipe.channel, buffer, static_cast<uint32_t>(std::min<size_t>(sizeof(buffer), static_cast<size_t>(available))), 1);
  if (n > 0 && pipe.errors.size() < k_max_errors) {
    pipe.errors.append(buffer, std::min(static_cast<size_t>(n), k_max_errors - pipe.errors.size()));
  }
  return n > 0;
}

} // namespace

short
Pipe::local_events() const
{
  short events = 0;
  if (!local_eof) {
    events |= POLLIN;
  }
  if (!to_local.empty()) {
    events |= POLLOUT;
  }
  return events;
}

bool
pump_remote(Pipe& pipe)
{
  bool moved = drain_errors(pipe);
  if (pipe.reading_remote()) {
    const int available = ssh_channel_poll(pipe.channel, 0);
    if (available == SSH_EOF) {
      pipe.remote_eof = true;
      moved = true;
    } else if (available == SSH_ERROR) {
      pipe.dead = true;
      return true;
    } else if (available > 0) {
      char buffer[k_chunk];
      const int n = ssh_channel_read_nonblocking(
          pipe.channel, buffer, static_cast<uint32_t>(std::min<size_t>(sizeof(buffer), static_cast<size_t>(available))),
          0);
      if (n > 0) {
        pipe.to_local.append(buffer, static_cast<size_t>(n));
        moved = true;
      } else if (n == SSH_ERROR) {
        pipe.dead = true;
        return true;
      }
    }
  }
  if (!pipe.to_local.empty()) {
    const ssize_t n = ::send(pipe.fd, pipe.to_local.data(), pipe.to_local.size(), MSG_NOSIGNAL);
    if (n > 0) {
      pipe.to_local.erase(0, static_cast<size_t>(n));
      moved = true;
    } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      pipe.dead = true; // the local side went away
      return true;
    }
  }
  if (pipe.remote_eof && pipe.to_local.empty() && !pipe.local_shut) {
    ::shutdown(pipe.fd, SHUT_WR);
    pipe.local_shut = true;
    moved = true;
  }
  return moved;
}

void
pump_local(Pipe& pipe)
{
  char buffer[k_chunk];
  const ssize_t n = ::recv(pipe.fd, buffer, sizeof(buffer), 0);
  if (n == 0) {
    pipe.local_eof = true;
    ssh_channel_send_eof(pipe.channel);
  } else if (n > 0) {
    // Blocks until the SSH window admits the data; other channels' incoming
    // data is buffered by libssh meanwhile.
    if (ssh_channel_write(pipe.channel, buffer, static_cast<uint32_t>(n)) != n) {
      pipe.dead = true;
    }
  } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
    pipe.dead = true;
  }
}

void
close_pipe(Pipe& pipe, const bool session_alive)
{
  if (pipe.channel != nullptr) {
    if (session_alive) {
      ssh_channel_close(pipe.channel);
    }
    ssh_channel_free(pipe.channel);
    pipe.channel = nullptr;
  }
  if (pipe.fd >= 0) {
    ::close(pipe.fd);
    pipe.fd = -1;
  }
}

PollThread::~PollThread()
{
  stop();
  for (const int fd : m_wake) {
    if (fd >= 0) {
      ::close(fd);
    }
  }
}

util::Result<void>
PollThread::start(std::function<void()> body)
{
  if (::pipe2(m_wake, O_CLOEXEC | O_NONBLOCK) != 0) {
    return util::Unexpected(util::Error(util::ErrorClass::internal, fmt::format("pipe: {}", std::strerror(errno))));
  }
  m_thread = std::thread(std::move(body));
  return {};
}

void
PollThread::stop()
{
  m_stop = true;
  if (m_wake[1] >= 0) {
    const char byte = 0;
    [[maybe_unused]] const auto n = ::write(m_wake[1], &byte, 1);
  }
  if (m_thread.joinable()) {
    m_thread.join();
  }
}

SessionEvent::~SessionEvent()
{
  unwatch();
}

void
SessionEvent::watch(ssh_session session)
{
  unwatch();
  m_event.reset(ssh_event_new());
  if (m_event && ssh_event_add_session(m_event.get(), session) != SSH_OK) {
    m_event.reset();
  }
  m_session = m_event ? session : nullptr;
}

void
SessionEvent::unwatch()
{
  if (m_event) {
    ssh_event_remove_session(m_event.get(), m_session);
    m_event.reset();
    m_session = nullptr;
  }
}

void
SessionEvent::process()
{
  if (m_event) {
    ssh_event_dopoll(m_event.get(), 0);
  }
}

} // namespace pma::transport::detail
