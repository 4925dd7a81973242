#pragma once

// Private to src/transport's ssh_*.cpp: one local socket joined to one SSH
// channel, moved by the thread that owns the channel's session.
#include <libssh/libssh.h>

#include <cstddef>
#include <string>

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

} // namespace pma::transport::detail
