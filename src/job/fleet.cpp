#include "fleet.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace pma::job::detail {

void
Fleet::connect(const std::vector<config::Host>& hosts, const hosts::ConnectOptions& options,
               hosts::Connector& connector, Progress& progress)
{
  m_connected = hosts::connect_hosts(hosts, options, connector);
  for (const auto& connected : m_connected) {
    const auto& probe = connected.probe;
    HostCapacity capacity;
    capacity.name = probe.host.name;
    capacity.reachable = probe.ok();
    capacity.declared = !probe.host.platforms.empty();
    capacity.serves = probe.serves;
    capacity.slots = probe.host.max_jobs;
    if (probe.info) {
      capacity.emulated = probe.info->emulated;
      if (capacity.slots == 0) {
        capacity.slots = probe.info->cpus;
      }
    }
    if (!probe.ok()) {
      capacity.unreachable_reason = probe.error->message;
      progress.warning(probe.error->describe());
    }
    m_capacities.push_back(std::move(capacity));
  }
}

hosts::Session*
Fleet::session(const std::string& host) const
{
  for (const auto& connected : m_connected) {
    if (connected.probe.host.name == host && connected.session) {
      return connected.session.get();
    }
  }
  return nullptr;
}

void
Fleet::mark_dead(const std::string& host)
{
  const std::lock_guard lock(m_mutex);
  m_dead.insert(host);
}

bool
Fleet::is_dead(const std::string& host) const
{
  const std::lock_guard lock(m_mutex);
  return m_dead.contains(host);
}

std::optional<Assignment>
Fleet::failover(const oci::Platform& platform, const std::string& host, const util::Error& error,
                const Emulation emulation)
{
  std::vector<HostCapacity> capacities;
  {
    const std::lock_guard lock(m_mutex);
    m_dead.insert(host);
    capacities = alive_locked();
  }
  for (auto& capacity : capacities) {
    if (capacity.name == host) {
      capacity.unreachable_reason = error.message;
    }
  }
  Plan plan = plan_platforms({platform}, capacities, emulation);
  if (plan.assignments.empty()) {
    return std::nullopt;
  }
  return plan.assignments.front();
}

bool
Fleet::revive(const std::string& host)
{
  hosts::Session* found = session(host);
  if (found == nullptr || !found->client().ping()) {
    return false;
  }
  const std::lock_guard lock(m_mutex);
  m_dead.erase(host);
  return true;
}

std::vector<HostCapacity>
Fleet::alive() const
{
  const std::lock_guard lock(m_mutex);
  return alive_locked();
}

std::vector<HostCapacity>
Fleet::alive_locked() const
{
  std::vector<HostCapacity> capacities = m_capacities;
  for (auto& capacity : capacities) {
    if (m_dead.contains(capacity.name) || session(capacity.name) == nullptr) {
      capacity.reachable = false;
      capacity.unreachable_reason = "failed during this run";
    }
  }
  return capacities;
}

bool
Fleet::emulates(const std::string& host, const oci::Platform& platform, const std::string& reason) const
{
  for (const auto& capacity : m_capacities) {
    if (capacity.name == host) {
      return reason.starts_with("emulated") || capacity.declared ||
             std::find(capacity.serves.begin(), capacity.serves.end(), platform) == capacity.serves.end();
    }
  }
  return true;
}

std::vector<std::string>
Fleet::versions() const
{
  std::vector<std::string> out;
  for (const auto& connected : m_connected) {
    if (connected.session) {
      out.push_back(
          fmt::format("{} runs {}", connected.probe.host.name, connected.session->capabilities().version.to_string()));
    }
  }
  return out;
}

} // namespace pma::job::detail
