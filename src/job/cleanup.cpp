// Cleanup (podman-multiarch-build(1), step 8 and --cleanup). A run removes
// from the hosts only what it can prove is its own: the names it gave (build
// results, --build-context images, the list), each removed by name, so that an
// image also named by someone else — a cached result equal to their image,
// another run's result from the same context — loses only our name. Nothing is
// removed by ID. Layers that builds committed stay, as `podman build` leaves
// them: they are the host's layer cache. Every wait is bounded: a host that
// does not answer within the budget is left, reported, and its names are
// removed by a later run once they are old enough to be nobody's.
#include <pma/util/deadline.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <map>
#include <thread>

#include "fleet.hpp"
#include "names.hpp"

namespace pma::job::detail {

using util::ErrorClass;
using Clock = std::chrono::steady_clock;

namespace {

// Removes `owned` and the stale names on `host`, within `budget`; returns what
// it had to leave there because the host stopped answering.
std::vector<std::string>
clean_host(hosts::Session& host, const std::vector<std::string>& owned, const Clock::duration budget,
           Progress& progress)
{
  const util::deadline::Scope bounded(Clock::now() + budget);
  std::vector<std::string> left;
  bool gone = false; // the host stopped answering: the rest is left without asking
  const auto remove = [&](const std::string& name) {
    if (gone) {
      left.push_back(name);
      return;
    }
    auto ok = is_owned_list_name(name) ? host.client().manifest_delete(name) : host.client().remove_image(name);
    if (!ok && (ok.error().connection_lost() || ok.error().cls == ErrorClass::interrupted)) {
      gone = true;
      left.push_back(name);
    } else if (!ok) {
      progress.warning("cleanup: " + ok.error().describe());
    }
  };
  for (const auto& name : owned) {
    remove(name);
  }
  // Names an earlier run could not remove (its host hung, it was killed):
  // old enough that no run still uses them.
  auto names = gone ? util::fail(ErrorClass::internal, "host gone")
                    : host.client().image_names(std::string(k_owned_prefix) + "*");
  const auto stale_before = std::chrono::system_clock::now() - k_stale_names_after;
  for (const auto& name : names ? *names : std::vector<std::string>()) {
    const auto since = owned_name_time(name);
    if (since && *since < stale_before) {
      remove(name);
    }
  }
  return left;
}

} // namespace

LeftBehind
Names::clean(const Fleet& fleet, const std::vector<std::pair<std::string, std::string>>& keep, Progress& progress,
             const Timings& timings)
{
  const std::lock_guard lock(m_mutex);
  const auto now = Clock::now();
  const auto budget = util::interrupt::requested() ? timings.cleanup_budget_cut : timings.cleanup_budget;
  // Names removed since their push need nothing more.
  for (auto& removal : m_removals) {
    if (removal.done.wait_until(now + budget) != std::future_status::ready) {
      continue; // the host hangs: tried again below, within its budget
    }
    // A host that answered is done with it (an error then is reported); one
    // that went silent or away is asked again below, within its budget.
    auto ok = removal.done.get();
    if (!ok && (ok.error().connection_lost() || ok.error().cls == ErrorClass::interrupted)) {
      continue;
    }
    mark_removed(removal.host, removal.name);
    if (!ok) {
      progress.warning("cleanup: " + ok.error().describe());
    }
  }
  for (const auto& [host, name] : keep) {
    mark_removed(host, name);
  }
  if (m_last_abandoned && Clock::now() - *m_last_abandoned < timings.settle) {
    std::this_thread::sleep_for(timings.settle - (Clock::now() - *m_last_abandoned));
  }
  std::map<std::string, std::vector<std::string>> by_host;
  for (const auto& owned : m_owned) {
    if (!owned.removed) {
      by_host[owned.host].push_back(owned.name);
    }
  }
  for (const auto& connected : fleet.hosts()) {
    by_host.try_emplace(connected.probe.host.name); // each host is also swept of old names
  }
  LeftBehind left_behind;
  std::mutex left_mutex;
  std::vector<std::thread> workers;
  for (const auto& [host_name, owned] : by_host) {
    if (auto* host = fleet.session(host_name)) {
      const auto host_budget = fleet.is_dead(host_name) ? timings.cleanup_budget_cut : budget;
      workers.emplace_back([&, host, host_budget, &host_name = host_name, &owned = owned] {
        auto left = clean_host(*host, owned, host_budget, progress);
        if (!left.empty()) {
          const std::lock_guard left_lock(left_mutex);
          left_behind.emplace_back(host_name, std::move(left));
        }
      });
    } else if (!owned.empty()) {
      const std::lock_guard left_lock(left_mutex);
      left_behind.emplace_back(host_name, owned);
    }
  }
  for (auto& worker : workers) {
    worker.join();
  }
  for (const auto& [host_name, names] : left_behind) {
    progress.warning(fmt::format("cleanup: host {} did not answer in time; left there: {} (a later run removes "
                                 "them once they are {} h old; or run podman rmi on that host)",
                                 host_name, util::join(names, " "),
                                 std::chrono::duration_cast<std::chrono::hours>(k_stale_names_after).count()));
  }
  return left_behind;
}

} // namespace pma::job::detail
