#include <pma/config/selection.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>

namespace pma::config {

using util::ErrorClass;
using util::Result;

namespace {

class Selector {
public:
  Selector(const SelectionOptions& options, const std::optional<ConfigFile>& config, const PodmanSettings& podman,
           const SelectionEnvironment& environment)
    : m_options(options)
    , m_config(config)
    , m_podman(podman)
    , m_env(environment)
  {
  }

  Result<std::vector<Host>>
  select()
  {
    if (!m_options.hosts.empty() || !m_options.connections.empty() || !m_options.farm.empty()) {
      for (const auto& spec : m_options.hosts) {
        m_item = "--host " + spec;
        PMA_TRY(add_host_spec(spec));
      }
      for (const auto& name : m_options.connections) {
        m_item = "--connection " + name;
        PMA_TRY(add_connection(name, "--connection"));
      }
      m_item.clear();
      if (!m_options.farm.empty()) {
        PMA_TRY(add_farm(m_options.farm, "--farm"));
      }
      return std::move(m_hosts);
    }
    if (!m_env.container_connection.empty()) {
      PMA_TRY(add_connection(m_env.container_connection, "CONTAINER_CONNECTION"));
      return std::move(m_hosts);
    }
    if (!m_env.container_host.empty()) {
      auto url = transport::HostUrl::parse(m_env.container_host);
      if (!url) {
        return util::Unexpected(prefixed(url.error(), "CONTAINER_HOST"));
      }
      m_hosts.push_back(Host{.name = derived_name(*url),
                             .url = *url,
                             .identity = identity_or(m_env.container_sshkey),
                             .origin = "CONTAINER_HOST"});
      return std::move(m_hosts);
    }
    if (m_config && !m_config->default_farm.empty()) {
      PMA_TRY(add_farm(m_config->default_farm, "default-farm (" + m_config->default_farm_location.to_string() + ")"));
      return std::move(m_hosts);
    }
    if (m_config && !m_config->hosts.empty()) {
      for (const auto& entry : m_config->hosts) {
        PMA_TRY(add_config_host(entry));
      }
      return std::move(m_hosts);
    }
    if (const std::string farm = m_podman.default_farm(); !farm.empty()) {
      PMA_TRY(add_podman_farm(farm, "podman's default farm"));
      return std::move(m_hosts);
    }
    PMA_TRY_ASSIGN(auto url, transport::HostUrl::parse("unix://" + m_env.local_socket));
    m_hosts.push_back(Host{.name = "local", .url = url, .origin = "local podman socket"});
    return std::move(m_hosts);
  }

private:
  // --host NAME | URL | [PLATFORMS@]NAME=URL
  Result<void>
  add_host_spec(const std::string& spec)
  {
    const size_t scheme = spec.find("://");
    const size_t equals = spec.find('=');
    if (equals != std::string::npos && (scheme == std::string::npos || equals < scheme)) {
      std::string name = spec.substr(0, equals);
      std::vector<oci::Platform> platforms;
      if (const size_t at = name.rfind('@'); at != std::string::npos) {
        for (const auto& part : util::split(name.substr(0, at), ',')) {
          auto platform = oci::Platform::parse(part);
          if (!platform) {
            return util::Unexpected(prefixed(platform.error(), "--host " + spec));
          }
          platforms.push_back(*platform);
        }
        name = name.substr(at + 1);
      }
      if (name.empty()) {
        return util::fail(ErrorClass::usage, fmt::format("--host {}: empty host name before '='", spec));
      }
      auto url = transport::HostUrl::parse(spec.substr(equals + 1));
      if (!url) {
        return util::Unexpected(prefixed(url.error(), "--host"));
      }
      PMA_TRY(check_not_configured(name, *url));
      return add(Host{name, *url, identity_or(), {}, platforms, "--host"});
    }
    if (transport::looks_like_url(spec)) {
      auto url = transport::HostUrl::parse(spec);
      if (!url) {
        return util::Unexpected(prefixed(url.error(), "--host"));
      }
      return add(Host{.name = derived_name(*url), .url = *url, .identity = identity_or(), .origin = "--host"},
                 /*derived=*/true);
    }
    if (m_config) {
      if (const auto* entry = m_config->find_host(spec)) {
        return add_config_host(*entry);
      }
    }
    if (m_podman.find_connection(spec)) {
      return add_connection(spec, "--host");
    }
    return util::fail(ErrorClass::usage,
                      fmt::format("unknown host '{}'{} (give a configured name, a podman connection, or a URL)", spec,
                                  util::did_you_mean(spec, known_host_names(m_config, m_podman))));
  }

  Result<void>
  add_config_host(const HostEntry& entry)
  {
    Host host{entry.name, {}, {}, {}, entry.platforms, entry.location.to_string(), entry.max_jobs};
    if (!entry.known_hosts.empty()) {
      host.known_hosts = util::expand_user(entry.known_hosts);
    }
    if (entry.url) {
      host.url = *entry.url;
      host.identity = entry.identity.empty() ? identity_or() : util::expand_user(entry.identity);
    } else {
      const auto* connection = m_podman.find_connection(entry.connection);
      if (connection == nullptr) {
        return util::fail(ErrorClass::config,
                          fmt::format("{}: host '{}' names podman connection '{}', which does not exist{}",
                                      entry.location.to_string(), entry.name, entry.connection,
                                      util::did_you_mean(entry.connection, m_podman.connection_names())));
      }
      auto url = transport::HostUrl::parse(connection->uri);
      if (!url) {
        return util::Unexpected(
            prefixed(url.error(), "podman connection " + connection->name + " (" + connection->source + ")"));
      }
      host.url = *url;
      const std::string identity = !entry.identity.empty() ? entry.identity : connection->identity;
      host.identity = identity.empty() ? identity_or() : util::expand_user(identity);
    }
    return add(std::move(host));
  }

  Result<void>
  add_connection(const std::string& name, const std::string& origin)
  {
    const auto* connection = m_podman.find_connection(name);
    if (connection == nullptr) {
      // A config host may stand for a connection of the same name.
      if (m_config) {
        if (const auto* entry = m_config->find_host(name)) {
          return add_config_host(*entry);
        }
      }
      return util::fail(ErrorClass::usage,
                        fmt::format("{}: unknown podman connection '{}'{} (see podman system connection list)", origin,
                                    name, util::did_you_mean(name, m_podman.connection_names())));
    }
    return add_podman_connection(*connection, origin);
  }

  Result<void>
  add_podman_connection(const PodmanConnection& connection, const std::string& origin)
  {
    auto url = transport::HostUrl::parse(connection.uri);
    if (!url) {
      return util::Unexpected(
          prefixed(url.error(), "podman connection " + connection.name + " (" + connection.source + ")"));
    }
    const std::filesystem::path identity =
        connection.identity.empty() ? identity_or() : util::expand_user(connection.identity);
    return add(Host{connection.name, *url, identity, {}, {}, origin + ": podman connection from " + connection.source});
  }

  Result<void>
  add_farm(const std::string& name, const std::string& origin)
  {
    if (m_config) {
      if (const auto* farm = m_config->find_farm(name)) {
        for (size_t i = 0; i < farm->members.size(); ++i) {
          const std::string& member = farm->members[i];
          if (const auto* entry = m_config->find_host(member)) {
            PMA_TRY(add_config_host(*entry));
          } else if (const auto* connection = m_podman.find_connection(member)) {
            PMA_TRY(add_podman_connection(*connection, "farm " + name));
          } else {
            return util::fail(ErrorClass::config,
                              fmt::format("{}: farm '{}' names unknown host '{}'{}",
                                          farm->member_locations[i].to_string(), name, member,
                                          util::did_you_mean(member, known_host_names(m_config, m_podman))));
          }
        }
        return {};
      }
    }
    if (m_podman.find_farm(name)) {
      return add_podman_farm(name, origin);
    }
    return util::fail(m_options.farm == name ? ErrorClass::usage : ErrorClass::config,
                      fmt::format("{}: unknown farm '{}'{}", origin, name,
                                  util::did_you_mean(name, known_farm_names(m_config, m_podman))));
  }

  Result<void>
  add_podman_farm(const std::string& name, const std::string& origin)
  {
    const auto* farm = m_podman.find_farm(name);
    if (farm == nullptr) {
      return util::fail(ErrorClass::config, fmt::format("{}: podman farm '{}' does not exist", origin, name));
    }
    PMA_TRY_ASSIGN(auto members, m_podman.farm_members(*farm));
    for (const auto& connection : members) {
      PMA_TRY(add_podman_connection(connection, "podman farm " + name));
    }
    return {};
  }

  // A name stands for one host: results, --manifest-host and the metadata
  // file refer to hosts by name. The same name twice on the command line is
  // an error; a farm may share a host with --host (used once); a name derived
  // from a URL (no name given) that is taken gets a suffix ("local-2").
  Result<void>
  add(Host host, const bool derived = false)
  {
    for (size_t i = 0; i < m_hosts.size(); ++i) {
      const Host& existing = m_hosts[i];
      if (existing.name != host.name) {
        continue;
      }
      const bool both_given = !m_item.empty() && !m_items[i].empty();
      if (existing.url != host.url && derived) {
        host.name = unique_name(host.name);
        break;
      }
      if (both_given) {
        return util::fail(ErrorClass::usage,
                          m_item == m_items[i]
                              ? fmt::format("{}: given twice", m_item)
                              : fmt::format("{}: host '{}' is already selected by {}", m_item, host.name, m_items[i]));
      }
      if (existing.url == host.url) {
        return {}; // a farm member also named by --host: once is enough
      }
      return util::fail(ErrorClass::usage,
                        fmt::format("host name '{}' stands for two hosts: {} ({}) and {} ({})", host.name,
                                    existing.url.redacted(), m_items[i].empty() ? existing.origin : m_items[i],
                                    host.url.redacted(), m_item.empty() ? host.origin : m_item));
    }
    m_hosts.push_back(std::move(host));
    m_items.push_back(m_item);
    return {};
  }

  // --host NAME=URL may not give a configured host's (or podman connection's)
  // name to another URL: which one would --manifest-host NAME mean?
  Result<void>
  check_not_configured(const std::string& name, const transport::HostUrl& url) const
  {
    std::string where;
    std::string uri;
    if (const auto* entry = m_config ? m_config->find_host(name) : nullptr) {
      where = entry->location.to_string();
      if (entry->url) {
        if (*entry->url == url) {
          return {};
        }
        uri = entry->url->redacted();
      } else if (const auto* connection = m_podman.find_connection(entry->connection)) {
        uri = connection->uri;
      }
    } else if (const auto* connection = m_podman.find_connection(name)) {
      where = "podman connection from " + connection->source;
      uri = connection->uri;
    } else {
      return {};
    }
    if (!uri.empty()) {
      const auto known = transport::HostUrl::parse(uri);
      if (known && *known == url) {
        return {};
      }
      uri = known ? known->redacted() : "its URL"; // a raw URI may hold a password
    }
    return util::Unexpected(util::Error(
        ErrorClass::usage,
        fmt::format("--host {}={}: '{}' is already a configured host ({}, {})", name, url.redacted(), name, where, uri),
        fmt::format("give this URL another name, or use --host {} alone", name)));
  }

  std::string
  unique_name(const std::string& base) const
  {
    for (int n = 2;; ++n) {
      std::string candidate = fmt::format("{}-{}", base, n);
      bool taken = false;
      for (const auto& host : m_hosts) {
        taken |= host.name == candidate;
      }
      if (!taken) {
        return candidate;
      }
    }
  }

  std::filesystem::path
  identity_or(const std::string& fallback = {}) const
  {
    if (!m_options.identity.empty()) {
      return util::expand_user(m_options.identity);
    }
    const std::string& value = fallback.empty() ? m_env.container_sshkey : fallback;
    return value.empty() ? std::filesystem::path() : util::expand_user(value);
  }

  static std::string
  derived_name(const transport::HostUrl& url)
  {
    if (url.scheme == transport::Scheme::unix_socket) {
      return "local";
    }
    return url.port != 0 && url.port != 22 ? fmt::format("{}:{}", url.host, url.port) : url.host;
  }

  static util::Error
  prefixed(util::Error error, const std::string& origin)
  {
    error.message = origin + ": " + error.message;
    return error;
  }

  const SelectionOptions& m_options;
  const std::optional<ConfigFile>& m_config;
  const PodmanSettings& m_podman;
  const SelectionEnvironment& m_env;
  std::vector<Host> m_hosts;
  std::vector<std::string> m_items; // per host, the command-line item that selected it ("" if none)
  std::string m_item;               // the command-line item being added ("" for farm members)
};

} // namespace

SelectionEnvironment
SelectionEnvironment::from_process()
{
  SelectionEnvironment env;
  env.container_host = util::env("CONTAINER_HOST");
  env.container_sshkey = util::env("CONTAINER_SSHKEY");
  env.container_connection = util::env("CONTAINER_CONNECTION");
  if (::getuid() == 0) {
    env.local_socket = "/run/podman/podman.sock";
  } else {
    const std::string runtime = util::env("XDG_RUNTIME_DIR");
    env.local_socket = (runtime.empty() ? fmt::format("/run/user/{}", ::getuid()) : runtime) + "/podman/podman.sock";
  }
  return env;
}

Result<std::vector<Host>>
select_hosts(const SelectionOptions& options, const std::optional<ConfigFile>& config, const PodmanSettings& podman,
             const SelectionEnvironment& environment)
{
  return Selector(options, config, podman, environment).select();
}

std::vector<std::string>
known_host_names(const std::optional<ConfigFile>& config, const PodmanSettings& podman)
{
  std::vector<std::string> names;
  if (config) {
    for (const auto& host : config->hosts) {
      names.push_back(host.name);
    }
  }
  for (auto& name : podman.connection_names()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

std::vector<std::string>
known_farm_names(const std::optional<ConfigFile>& config, const PodmanSettings& podman)
{
  std::vector<std::string> names;
  if (config) {
    for (const auto& farm : config->farms) {
      names.push_back(farm.name);
    }
  }
  for (auto& name : podman.farm_names()) {
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      names.push_back(std::move(name));
    }
  }
  return names;
}

} // namespace pma::config
