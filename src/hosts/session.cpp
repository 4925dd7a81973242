#include <pma/hosts/session.hpp>
#include <pma/util/deadline.hpp>

#include <algorithm>
#include <thread>

namespace pma::hosts {

using util::Result;

Session::Session(config::Host host, std::unique_ptr<transport::Connection> connection,
                 std::unique_ptr<libpod::LibpodClient> client)
  : m_host(std::move(host))
  , m_connection(std::move(connection))
  , m_client(std::move(client))
{
}

namespace {

// Every connection error names the host and its (redacted) URL.
util::Error
with_url(util::Error error, const config::Host& host)
{
  error.host = host.name;
  const std::string url = host.url.redacted();
  if (error.message.find(url) == std::string::npos) {
    error.message += " (" + url + ")";
  }
  return error;
}

} // namespace

namespace {

class NetworkConnector : public Connector {
public:
  Result<std::unique_ptr<Session>> open(const config::Host& host, const ConnectOptions& options,
                                        libpod::PingResult* ping) override;
};

} // namespace

Connector&
network_connector()
{
  static NetworkConnector connector;
  return connector;
}

Result<std::unique_ptr<Session>>
open_session(const config::Host& host, const ConnectOptions& options, libpod::PingResult* ping)
{
  return network_connector().open(host, options, ping);
}

Result<std::unique_ptr<Session>>
NetworkConnector::open(const config::Host& host, const ConnectOptions& options, libpod::PingResult* ping)
{
  transport::DialOptions dial_options;
  dial_options.host_name = host.name;
  dial_options.identity = host.identity;
  dial_options.known_hosts = host.known_hosts;
  dial_options.accept_new_host_keys = options.accept_new_host_keys;
  dial_options.connect_timeout = options.connect_timeout;
  auto connection = transport::dial(host.url, dial_options);
  if (!connection) {
    return util::Unexpected(with_url(connection.error(), host));
  }
  auto client = libpod::make_libpod_client(
      transport::make_http_client((*connection)->endpoint(), options.connect_timeout), host.name);
  auto pong = client->ping();
  if (!pong) {
    return util::Unexpected(with_url(pong.error(), host));
  }
  if (ping != nullptr) {
    *ping = *pong;
  }
  return std::make_unique<Session>(host, std::move(*connection), std::move(client));
}

std::string
Session::route() const
{
  const std::string route = m_connection ? m_connection->route() : "";
  return route.empty() ? transport::to_string(m_host.url.scheme) : route;
}

namespace {

void
connect_one(Connected& connected, const ConnectOptions& options, Connector& connector)
{
  Probe& probe = connected.probe;
  const auto start = std::chrono::steady_clock::now();
  libpod::PingResult ping;
  auto session = connector.open(probe.host, options, &ping);
  probe.connect_time =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start) - ping.round_trip;
  if (!session) {
    probe.error = session.error();
    return;
  }
  probe.latency = ping.round_trip;
  probe.route = (*session)->route();
  if (!options.host_info && !probe.host.platforms.empty()) {
    probe.serves = probe.host.platforms;
    connected.session = std::move(*session);
    return;
  }
  // A host that answers /_ping but not /info (stopped meanwhile, a
  // slow-loris) is left out like one that does not answer at all: the probe's
  // /info has a bound for its whole answer, however slowly bytes trickle in.
  auto info = [&] {
    const util::deadline::Scope bound(std::chrono::steady_clock::now() +
                                      std::max(options.connect_timeout, options.info_timeout));
    return (*session)->client().info();
  }();
  if (!info) {
    probe.error = with_url(info.error(), probe.host);
    return;
  }
  probe.info = *info;
  probe.serves = probe.host.platforms.empty() ? std::vector<oci::Platform>{info->native} : probe.host.platforms;
  connected.session = std::move(*session);
}

} // namespace

std::vector<Connected>
connect_hosts(const std::vector<config::Host>& hosts, const ConnectOptions& options, Connector& connector)
{
  std::vector<Connected> results;
  results.reserve(hosts.size());
  for (const auto& host : hosts) {
    results.push_back(Connected{Probe{host, {}, {}, {}, {}, {}}, nullptr});
  }
  std::vector<std::thread> workers;
  workers.reserve(results.size());
  for (auto& result : results) {
    workers.emplace_back([&result, &options, &connector] { connect_one(result, options, connector); });
  }
  for (auto& worker : workers) {
    worker.join();
  }
  return results;
}

std::vector<Probe>
probe_hosts(const std::vector<config::Host>& hosts, const ConnectOptions& options)
{
  std::vector<Probe> probes;
  for (auto& connected : connect_hosts(hosts, options)) {
    probes.push_back(std::move(connected.probe));
  }
  return probes;
}

} // namespace pma::hosts
