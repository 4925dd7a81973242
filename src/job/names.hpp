#pragma once

// Private to src/job: the names a run gives on its hosts, and their cleanup.
#include <pma/job/environment.hpp>
#include <pma/job/run.hpp>
#include <pma/oci/platform.hpp>

#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pma::job::detail {

class Fleet;

// Names left on hosts that did not answer the cleanup in time, by host.
using LeftBehind = std::vector<std::pair<std::string, std::vector<std::string>>>;

// What the names given on hosts say of a release target ("tools-slim"):
// lowercase letters, digits and "-".
std::string name_part_of(const std::string& target);

class Names {
public:
  explicit Names(std::string run_id);

  // "localhost/podman-multiarch-KIND:RUN[-os-arch…]": a name unique to this run.
  std::string make(std::string_view kind, const oci::Platform* platform) const;
  // Records that this run gives `name` to an image on `host` (before asking for it).
  void own(const std::string& host, const std::string& name);
  // `name` is being removed from `host` already (right after its push).
  void removing(const std::string& host, const std::string& name, std::future<util::Result<void>> done);
  // A build was abandoned now (failover, Ctrl-C): podman may still be committing its step.
  void abandoned();

  // Removes, by name, everything the run named except `keep` (host, name), and
  // sweeps each host of stale names of earlier runs; every wait is bounded by
  // `timings`. Returns what hosts that stopped answering kept.
  LeftBehind clean(const Fleet& fleet, const std::vector<std::pair<std::string, std::string>>& keep, Progress& progress,
                   const Timings& timings);

private:
  struct Owned {
    std::string host;
    std::string name;
    bool removed = false;
  };
  struct Removal {
    std::string host;
    std::string name;
    std::future<util::Result<void>> done;
  };
  void mark_removed(const std::string& host, const std::string& name);

  const std::string m_run_id;
  std::mutex m_mutex;
  std::vector<Owned> m_owned;                                            // guarded by m_mutex
  std::vector<Removal> m_removals;                                       // guarded by m_mutex
  std::optional<std::chrono::steady_clock::time_point> m_last_abandoned; // guarded by m_mutex
};

} // namespace pma::job::detail
