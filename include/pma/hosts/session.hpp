#pragma once

#include <pma/config/host.hpp>
#include <pma/libpod/client.hpp>
#include <pma/transport/connection.hpp>
#include <pma/util/error.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

namespace pma::hosts {

struct ConnectOptions {
  bool accept_new_host_keys = false;
  std::chrono::milliseconds connect_timeout = transport::k_default_connect_timeout;
  // How long the probe's /info may take in all, however slowly it trickles in:
  // podman 4.x spends up to a second of CPU on it, more on a busy host.
  std::chrono::milliseconds info_timeout = std::chrono::seconds(10);
  // false: a host whose platforms are declared is only pinged, not asked for
  // /info (podman 4.x spends 0.2-0.6 s of CPU on it); its Probe has no info.
  bool host_info = true;
};

// A host we are talking to: its route (unix, or an SSH bridge) and a libpod
// client whose API version is negotiated.
class Session {
public:
  // `connection` may be null where the client needs no route of its own (fakes).
  Session(config::Host host, std::unique_ptr<transport::Connection> connection,
          std::unique_ptr<libpod::LibpodClient> client);

  const config::Host&
  host() const
  {
    return m_host;
  }
  libpod::LibpodClient&
  client()
  {
    return *m_client;
  }
  const libpod::Capabilities&
  capabilities() const
  {
    return m_client->capabilities();
  }
  // How the host is reached: "unix", "tcp", "ssh", "ssh via JUMP", "ssh (dial-stdio)".
  std::string route() const;

private:
  config::Host m_host;
  std::unique_ptr<transport::Connection> m_connection;
  std::unique_ptr<libpod::LibpodClient> m_client;
};

// Opens sessions with hosts. Everything that talks to hosts gets them from a
// Connector: the real one dials and negotiates; tests substitute fakes that
// script what each host answers (ninja's CommandRunner move).
class Connector {
public:
  virtual ~Connector() = default;
  // A session with `host` whose API version is negotiated (`ping` gets the
  // round trip). Errors name the host.
  virtual util::Result<std::unique_ptr<Session>> open(const config::Host& host, const ConnectOptions& options,
                                                      libpod::PingResult* ping) = 0;
};

// The real connector: dials `host` (transport::dial) and negotiates the API
// version (GET /_ping).
Connector& network_connector();

// network_connector().open().
util::Result<std::unique_ptr<Session>> open_session(const config::Host& host, const ConnectOptions& options,
                                                    libpod::PingResult* ping = nullptr);

struct Probe {
  config::Host host;
  std::optional<util::Error> error;          // set when the host did not answer properly
  std::optional<libpod::HostInfo> info;      // null when not asked (ConnectOptions::host_info)
  std::chrono::microseconds connect_time{0}; // dial: SSH handshake and authentication included
  std::chrono::microseconds latency{0};      // GET /_ping round trip once connected
  std::vector<oci::Platform> serves;         // declared platforms, else the native one
  std::string route;                         // Session::route(); "" when not connected

  bool
  ok() const
  {
    return !error.has_value();
  }
};

// A probe that keeps its session open for further work.
struct Connected {
  Probe probe;
  std::unique_ptr<Session> session; // null when the probe failed
};

// Connects to and probes every host concurrently; results in the order of `hosts`.
std::vector<Connected> connect_hosts(const std::vector<config::Host>& hosts, const ConnectOptions& options,
                                     Connector& connector = network_connector());

// connect_hosts() without keeping the sessions.
std::vector<Probe> probe_hosts(const std::vector<config::Host>& hosts, const ConnectOptions& options);

} // namespace pma::hosts
