#pragma once

// Private to src/transport's ssh_*.cpp: one local socket joined to one SSH
// channel, moved by the thread that owns the channel's session.
#include <pma/util/error.hpp>

#include <libssh/libssh.h>

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace pma::transport::detail {

// Per pipe, stop reading from the channel once this much is waiting for the
// local side: the SSH window then throttles the server.
inline constexpr size_t k_max_buffered = size_t{1024} * 1024;

struct Pipe {
  int fd = -1;
  ssh_channel channel = nullptr;
  std::string to_local;
  std::string errors; // what the channel wrote on stderr (an exec channel): the first 4 KiB
  bool local_eof = false;
  bool remote_eof = false;
  bool local_shut = false;
  bool dead = false;

  // Whether the channel's data is wanted now (the local side keeps up).
  bool
  reading_remote() const
  {
    return !remote_eof && to_local.size() < k_max_buffered;
  }
  bool
  finished() const
  {
    return dead || (local_eof && remote_eof && to_local.empty());
  }
  // poll() events for the local socket.
  short local_events() const;
};

// Channel → local buffer → local socket. Returns whether anything moved.
bool pump_remote(Pipe& pipe);

// Local socket → channel (blocks until the SSH window admits the data).
void pump_local(Pipe& pipe);

// Closes (when its session is alive) and frees the channel, and closes the local socket.
void close_pipe(Pipe& pipe, bool session_alive = true);

// A thread that polls, with a pipe whose read end (wake_fd) is in its poll()
// so that stop() can wake it.
class PollThread {
public:
  PollThread() = default;
  ~PollThread();
  PollThread(const PollThread&) = delete;
  PollThread& operator=(const PollThread&) = delete;

  util::Result<void> start(std::function<void()> body);
  // Asks the thread to stop, wakes it and joins it (again: nothing).
  void stop();
  bool
  stopping() const
  {
    return m_stop;
  }
  int
  wake_fd() const
  {
    return m_wake[0];
  }

private:
  int m_wake[2] = {-1, -1};
  std::atomic<bool> m_stop{false};
  std::thread m_thread;
};

// Packets of a session that belong to no open channel (the close of a
// finished one, window adjustments, keepalive replies) are read only when
// something asks libssh to; without that the session socket stays readable
// and a poll() on it spins. process() reads them, when the socket is readable.
class SessionEvent {
public:
  SessionEvent() = default;
  ~SessionEvent();
  SessionEvent(const SessionEvent&) = delete;
  SessionEvent& operator=(const SessionEvent&) = delete;

  void watch(ssh_session session);
  void unwatch();
  void process();

private:
  std::unique_ptr<ssh_event_struct, decltype(&ssh_event_free)> m_event{nullptr, &ssh_event_free};
  ssh_session m_session = nullptr;
};

} // namespace pma::transport::detail
