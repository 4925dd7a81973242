#include <pma/transport/connection.hpp>
#include <pma/util/log.hpp>

#include <fmt/format.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <set>

namespace pma::transport {

using util::ErrorClass;

namespace {

class DirectConnection : public Connection {
public:
  explicit DirectConnection(Endpoint endpoint)
    : m_endpoint(std::move(endpoint))
  {
  }
  const Endpoint&
  endpoint() const override
  {
    return m_endpoint;
  }

private:
  const Endpoint m_endpoint;
};

class UnixDialer : public Dialer {
public:
  util::Result<std::unique_ptr<Connection>>
  dial(const HostUrl& url, const DialOptions& /*options*/) override
  {
    struct stat st {};
    if (::stat(url.path.c_str(), &st) != 0) {
      const int saved_errno = errno;
      std::string hint;
      if (saved_errno == ENOENT) {
        hint = "is the podman service running? (systemctl start podman.socket, or podman system service --time=0 " +
               url.redacted() + ")";
      }
      return util::Unexpected(
          util::Error(ErrorClass::connect,
                      fmt::format("cannot reach {}: {}", url.redacted(), std::strerror(saved_errno)), std::move(hint)));
    }
    if (!S_ISSOCK(st.st_mode)) {
      return util::fail(ErrorClass::connect, fmt::format("cannot reach {}: not a socket", url.redacted()));
    }
    return std::make_unique<DirectConnection>(Endpoint{url.path, {}, 0});
  }
};

class TcpDialer : public Dialer {
public:
  util::Result<std::unique_ptr<Connection>>
  dial(const HostUrl& url, const DialOptions& options) override
  {
    warn_once(url, options.host_name);
    Endpoint endpoint{{}, url.host, url.port};
    // podman (≥ 5.3) puts the URL's path before every request; a trailing
    // '/' is dropped, as Docker's client joins the two.
    endpoint.path_prefix = url.path.substr(0, url.path.find_last_not_of('/') + 1);
    return std::make_unique<DirectConnection>(std::move(endpoint));
  }

private:
  void
  warn_once(const HostUrl& url, const std::string& name)
  {
    const std::lock_guard lock(m_mutex);
    if (m_warned.insert(url.redacted()).second) {
      util::log::warn("host {} ({}) is reached over plain tcp: API traffic, including registry credentials, "
                      "crosses the network unencrypted; prefer ssh://",
                      name.empty() ? url.host : name, url.redacted());
    }
  }

  std::mutex m_mutex;
  std::set<std::string> m_warned;
};

} // namespace

Dialer&
dialer_for(const Scheme scheme)
{
  static UnixDialer unix_dialer;
  static TcpDialer tcp_dialer;
  static const std::unique_ptr<Dialer> ssh_dialer = make_ssh_dialer();
  switch (scheme) {
  case Scheme::unix_socket:
    return unix_dialer;
  case Scheme::tcp:
    return tcp_dialer;
  case Scheme::ssh:
    return *ssh_dialer;
  }
  return unix_dialer;
}

util::Result<std::unique_ptr<Connection>>
dial(const HostUrl& url, const DialOptions& options)
{
  return dialer_for(url.scheme).dial(url, options);
}

} // namespace pma::transport
