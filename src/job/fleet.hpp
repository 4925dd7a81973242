#pragma once

// Private to src/job: the hosts of one run — their sessions, what each can
// build, and which failed during the run.
#include <pma/hosts/session.hpp>
#include <pma/job/plan.hpp>
#include <pma/job/progress.hpp>

#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pma::job::detail {

class Fleet {
public:
  // Dials and probes every host at once; an unreachable host is a warning.
  void connect(const std::vector<config::Host>& hosts, const hosts::ConnectOptions& options,
               hosts::Connector& connector, Progress& progress);

  const std::vector<HostCapacity>&
  capacities() const
  {
    return m_capacities;
  }
  const std::vector<hosts::Connected>&
  hosts() const
  {
    return m_connected;
  }
  // The session with `host`; null when it did not answer.
  hosts::Session* session(const std::string& host) const;

  // capacities() with the hosts that failed during the run unreachable.
  std::vector<HostCapacity> alive() const;

  // `host` failed during the run: no more work goes there.
  void mark_dead(const std::string& host);
  bool is_dead(const std::string& host) const;

  // After `error` on `host`: marks it dead, and plans `platform` on another
  // host if one can build it.
  std::optional<Assignment> failover(const oci::Platform& platform, const std::string& host, const util::Error& error,
                                     Emulation emulation);

  // A host failover() marked dead that answers a ping again (its SSH session
  // dropped by the network, and re-established by that ping): alive again.
  bool revive(const std::string& host);

  // Whether `host` builds `platform` under emulation, as far as is known: a
  // host that declares its platforms is not asked (and may well emulate
  // them); only a crash line of qemu's own then tells.
  bool emulates(const std::string& host, const oci::Platform& platform, const std::string& reason) const;

  // "amd64 runs 4.3.1, …": the version of every host that answered.
  std::vector<std::string> versions() const;

private:
  std::vector<HostCapacity> alive_locked() const;

  std::vector<hosts::Connected> m_connected;
  std::vector<HostCapacity> m_capacities;
  mutable std::mutex m_mutex;
  std::set<std::string> m_dead; // guarded by m_mutex
};

} // namespace pma::job::detail
