// The SSH bridge: HTTP clients connect to a private Unix socket (in a 0700
// directory); a bridge thread owns the session (ssh_session.cpp) and pumps
// every accepted connection through its own direct-streamlocal@openssh.com
// channel to the remote podman socket. libssh stays in the ssh_*.cpp files.
#include <pma/transport/connection.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <list>
#include <mutex>

#include "ssh_pipe.hpp"
#include "ssh_session.hpp"

namespace pma::transport {

using detail::KeepAliveClock;
using detail::open_session;
using detail::Pipe;
using detail::SshSession;
using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

// How each HTTP connection reaches the remote podman socket.
enum class Route {
  forward,    // a direct-streamlocal@openssh.com channel to the socket
  dial_stdio, // an exec channel running `podman system dial-stdio` (sshd forbids forwarding)
};

class SshConnection : public Connection {
public:
  using Reconnect = std::function<Result<SshSession>()>;

  SshConnection(SshSession session, std::string remote_path, std::string server, std::string label, Reconnect reconnect)
    : m_session(std::move(session))
    , m_remote_path(std::move(remote_path))
    , m_server(std::move(server))
    , m_label(std::move(label))
    , m_reconnect(std::move(reconnect))
  {
  }

  ~SshConnection() override
  {
    m_thread.stop();
    if (m_listen_fd >= 0) {
      ::close(m_listen_fd);
    }
    if (!m_endpoint.unix_path.empty()) {
      ::unlink(m_endpoint.unix_path.c_str());
      ::rmdir(m_dir.c_str());
    }
    m_event.unwatch();
    ssh_disconnect(m_session.get());
  }

  const Endpoint&
  endpoint() const override
  {
    return m_endpoint;
  }

  std::string
  route() const override
  {
    std::string route = "ssh";
    if (!m_session.route().empty()) {
      route += " " + m_session.route();
    }
    return m_route == Route::forward ? route : route + " (dial-stdio)";
  }

  // Finds how the remote socket is reached — a forwarded channel, else (an
  // sshd with AllowStreamLocalForwarding no) podman system dial-stdio —
  // then starts the bridge.
  Result<void>
  start()
  {
    std::string cause;
    ssh_channel probe = open_channel(Route::forward, &cause);
    if (probe == nullptr) {
      std::string dial_cause;
      if (!probe_dial_stdio(&dial_cause)) {
        return util::Unexpected(Error(
            ErrorClass::connect,
            fmt::format("SSH server {} cannot open the remote socket {}: {}; podman system dial-stdio there did not "
                        "answer either: {}",
                        m_server, m_remote_path, cause, dial_cause),
            "is the podman service running there (systemctl --user start podman.socket), and is the path right?"));
      }
      m_route = Route::dial_stdio;
      util::log::debug("ssh {}: socket forwarding refused ({}); using podman system dial-stdio", m_label, cause);
    } else {
      ssh_channel_close(probe);
      ssh_channel_free(probe);
    }

    PMA_TRY(make_listener());
    m_event.watch(m_session.get());
    return m_thread.start([this] { run(); });
  }

private:
  Result<void>
  make_listener()
  {
    const std::string tmp = util::env("TMPDIR").empty() ? "/tmp" : util::env("TMPDIR");
    std::string dir_template = tmp + "/podman-multiarch-ssh-XXXXXX";
    if (::mkdtemp(dir_template.data()) == nullptr) { // mkdtemp creates it 0700
      return util::Unexpected(Error(
          ErrorClass::internal, fmt::format("cannot create a private directory in {}: {}", tmp, std::strerror(errno))));
    }
    m_dir = dir_template;
    const std::string path = m_dir + "/api.sock";
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (path.size() >= sizeof(addr.sun_path)) {
      return util::Unexpected(Error(ErrorClass::internal, fmt::format("socket path too long: {}", path)));
    }
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    m_listen_fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (m_listen_fd < 0 || ::bind(m_listen_fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(m_listen_fd, 64) != 0) {
      return util::Unexpected(
          Error(ErrorClass::internal, fmt::format("cannot listen on {}: {}", path, std::strerror(errno))));
    }
    m_endpoint.unix_path = path;
    m_endpoint.label = m_label;
    return {};
  }

  void
  accept_one()
  {
    const int fd = ::accept4(m_listen_fd, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (fd < 0) {
      return;
    }
    ssh_channel channel = open_channel(m_route);
    if (channel == nullptr && ssh_is_connected(m_session.get()) == 0 && reconnect()) {
      channel = open_channel(m_route); // the server went away (sshd restarted, network cut): a new session
    }
    if (channel == nullptr) {
      ::close(fd); // the HTTP client sees the connection close
      return;
    }
    Pipe pipe;
    pipe.fd = fd;
    pipe.channel = channel;
    m_pipes.push_back(std::move(pipe));
  }

  // A channel to the remote socket by `route`; null (and libssh's reason in `cause`) if refused.
  ssh_channel
  open_channel(const Route route, std::string* cause = nullptr)
  {
    ssh_channel channel = ssh_channel_new(m_session.get());
    const bool opened = channel != nullptr &&
                        (route == Route::forward
                             ? ssh_channel_open_forward_unix(channel, m_remote_path.c_str(), "127.0.0.1", 0) == SSH_OK
                             : ssh_channel_open_session(channel) == SSH_OK &&
                                   ssh_channel_request_exec(channel, dial_stdio_command().c_str()) == SSH_OK);
    if (!opened) {
      const std::string why = ssh_get_error(m_session.get());
      util::log::debug("ssh {}: cannot open a channel to {}: {}", m_label, m_remote_path, why);
      if (cause != nullptr) {
        *cause = why;
      }
      if (channel != nullptr) {
        ssh_channel_free(channel);
      }
      return nullptr;
    }
    return channel;
  }

  // The remote command of an exec channel: podman (≥ 4.0) joins its
  // standard input and output to the service's socket.
  std::string
  dial_stdio_command() const
  {
    std::string quoted = "'";
    for (const char c : "unix://" + m_remote_path) {
      quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
    }
    return "podman --url " + quoted + "' system dial-stdio";
  }

  // Whether podman system dial-stdio answers a ping through an exec channel.
  bool
  probe_dial_stdio(std::string* cause)
  {
    ssh_channel channel = open_channel(Route::dial_stdio, cause);
    if (channel == nullptr) {
      return false;
    }
    constexpr std::string_view ping = "GET /_ping HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n";
    std::string answer;
    if (ssh_channel_write(channel, ping.data(), static_cast<uint32_t>(ping.size())) == static_cast<int>(ping.size())) {
      char buffer[512];
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (answer.size() < 12 && std::chrono::steady_clock::now() < deadline) {
        const int n = ssh_channel_read_timeout(channel, buffer, sizeof(buffer), 0, 1000);
        if (n < 0 || (n == 0 && ssh_channel_is_eof(channel) != 0)) {
          break;
        }
        answer.append(buffer, static_cast<size_t>(n));
      }
    }
    const bool ok = answer.starts_with("HTTP/1.1 200");
    if (!ok) {
      char buffer[1024];
      const int n = ssh_channel_read_timeout(channel, buffer, sizeof(buffer) - 1, 1, 500);
      std::string errors = n > 0 ? std::string(buffer, static_cast<size_t>(n)) : "";
      while (!errors.empty() && (errors.back() == '\n' || errors.back() == '\r')) {
        errors.pop_back();
      }
      *cause = !errors.empty()  ? errors
               : answer.empty() ? "no answer"
                                : "it answered " + answer.substr(0, answer.find('\r'));
    }
    ssh_channel_close(channel);
    ssh_channel_free(channel);
    return ok;
  }

  // A new session with the same checks (host key, authentication). The
  // channels of the old one are dead: their clients see them close.
  bool
  reconnect()
  {
    auto session = m_reconnect();
    if (!session) {
      util::log::debug("ssh {}: reconnecting failed: {}", m_label, session.error().describe());
      return false;
    }
    drop_pipes();
    m_event.unwatch();
    ssh_disconnect(m_session.get());
    m_session = std::move(*session);
    m_clock = KeepAliveClock(m_session.keepalive());
    m_event.watch(m_session.get());
    util::log::info("ssh {}: the SSH session was lost; reconnected", m_label);
    return true;
  }

  void
  run()
  {
    std::vector<pollfd> fds;
    while (!m_thread.stopping()) {
      const int session_fd = ssh_get_fd(m_session.get()); // a reconnection changes it
      bool moved = false;
      for (auto& pipe : m_pipes) {
        moved |= pump_remote(pipe);
      }
      m_pipes.remove_if([this](Pipe& pipe) {
        if (pipe.finished()) {
          if (!pipe.errors.empty()) {
            util::log::debug("ssh {}: podman system dial-stdio: {}", m_label, pipe.errors);
          }
          detail::close_pipe(pipe);
        }
        return pipe.finished() && pipe.channel == nullptr;
      });

      // A pipe whose local side is slow stops reading its channel; the
      // session socket is watched only while someone takes its data.
      const bool session_wanted = m_pipes.empty() || std::any_of(m_pipes.begin(), m_pipes.end(), [](const Pipe& pipe) {
                                    return pipe.reading_remote();
                                  });
      if (ssh_is_connected(m_session.get()) != 0 && !m_clock.tick(m_session.get())) {
        // A peer or a middlebox gone: the next connection makes a new session.
        util::log::info("ssh {}: no answer to {} keepalives; the session is dropped", m_label,
                        m_session.keepalive().count_max);
        drop_pipes();
        ssh_disconnect(m_session.get());
      }
      fds.clear();
      fds.push_back({m_thread.wake_fd(), POLLIN, 0});
      fds.push_back({m_listen_fd, POLLIN, 0});
      fds.push_back({session_wanted ? session_fd : -1, POLLIN, 0});
      for (const auto& pipe : m_pipes) {
        fds.push_back({pipe.fd, pipe.local_events(), 0});
      }
      if (::poll(fds.data(), fds.size(), moved ? 0 : m_clock.poll_timeout(100)) < 0 && errno != EINTR) {
        util::log::debug("ssh {}: poll: {}", m_label, std::strerror(errno));
        break;
      }
      if ((fds[2].revents & POLLIN) != 0) {
        m_event.process();
      }
      if ((fds[1].revents & POLLIN) != 0) {
        accept_one();
      }
      size_t index = 3;
      for (auto& pipe : m_pipes) {
        if (index >= fds.size()) {
          break; // accepted this round; polled next time
        }
        if ((fds[index].revents & (POLLIN | POLLHUP | POLLERR)) != 0 && !pipe.local_eof) {
          pump_local(pipe);
        }
        ++index;
      }
    }
    drop_pipes();
  }

  // Every pipe's channel and local socket, at once (their clients see the connection close).
  void
  drop_pipes()
  {
    for (auto& pipe : m_pipes) {
      detail::close_pipe(pipe, /*session_alive=*/false);
    }
    m_pipes.clear();
  }

  SshSession m_session;
  KeepAliveClock m_clock{m_session.keepalive()};
  Route m_route = Route::forward;
  detail::SessionEvent m_event;
  const std::string m_remote_path;
  const std::string m_server; // host:port
  const std::string m_label;  // redacted URL
  const Reconnect m_reconnect;
  std::string m_dir;
  Endpoint m_endpoint;
  int m_listen_fd = -1;
  std::list<Pipe> m_pipes; // bridge thread only
  detail::PollThread m_thread;
};

class SshDialer : public Dialer {
public:
  Result<std::unique_ptr<Connection>>
  dial(const HostUrl& url, const DialOptions& options) override
  {
    static std::once_flag init_once;
    std::call_once(init_once, [] { ssh_init(); });
    PMA_TRY_ASSIGN(auto session, open_session(url, options));
    auto connection = std::make_unique<SshConnection>(
        std::move(session), url.path, fmt::format("{}:{}", url.host_for_display(), url.effective_port()),
        url.redacted(), [url, options] { return open_session(url, options); });
    PMA_TRY(connection->start());
    return connection;
  }
};

} // namespace

std::unique_ptr<Dialer>
make_ssh_dialer()
{
  return std::make_unique<SshDialer>();
}

} // namespace pma::transport
