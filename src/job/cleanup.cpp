// Cleanup (podman-multiarch-build(1), "Leave nothing behind"). A run removes
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

#include <charconv>
#include <thread>

#include "runner.hpp"

namespace pma::job {

namespace {

constexpr std::string_view k_prefix = "localhost/podman-multiarch-";

bool
is_list_name(const std::string_view name)
{
  return name.starts_with(k_prefix) && name.substr(k_prefix.size()).starts_with("list:");
}
// podman cancels a build whose client went away between steps; a step that was
// ending then still commits (under our name, for the last one).
constexpr auto k_settle = std::chrono::seconds(2);

} // namespace

std::optional<std::chrono::system_clock::time_point>
owned_name_time(const std::string_view name)
{
  // localhost/podman-multiarch-KIND:SECONDS-…
  if (!name.starts_with(k_prefix)) {
    return std::nullopt;
  }
  const size_t colon = name.find(':', k_prefix.size());
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  const std::string_view tag = name.substr(colon + 1);
  int64_t seconds = 0;
  const auto [end, error] = std::from_chars(tag.data(), tag.data() + tag.size(), seconds);
  if (error != std::errc() || end == tag.data() || end == tag.data() + tag.size() || *end != '-') {
    return std::nullopt;
  }
  return std::chrono::system_clock::time_point(std::chrono::seconds(seconds));
}

} // namespace pma::job

namespace pma::job::detail {

using util::ErrorClass;
using Clock = std::chrono::steady_clock;

std::string
Runner::owned_name(const std::string_view kind, const oci::Platform* platform) const
{
  std::string tag = m_run_id;
  if (platform != nullptr) {
    tag += util::to_lower(fmt::format("-{}-{}{}", platform->os, platform->architecture, platform->variant));
  }
  return fmt::format("{}{}:{}", k_prefix, kind, tag);
}

void
Runner::own(const std::string& host, const std::string& name)
{
  const std::lock_guard lock(m_failover_mutex);
  const bool known = std::any_of(m_owned.begin(), m_owned.end(),
                                 [&](const Owned& owned) { return owned.host == host && owned.name == name; });
  if (!known) {
    m_owned.push_back({host, name});
  }
}

void
Runner::cleanup()
{
  const auto now = Clock::now();
  const auto budget = util::interrupt::requested() ? k_cleanup_budget_cut : k_cleanup_budget;
  // Names removed since their push (build_one) need nothing more.
  for (auto& removal : m_removals) {
    if (removal.done.wait_until(now + budget) != std::future_status::ready) {
      continue; // the host hangs: tried again below, within its budget
    }
    auto ok = removal.done.get();
    if (ok || ok.error().cls != ErrorClass::interrupted) {
      for (auto& owned : m_owned) {
        owned.removed = owned.removed || (owned.host == removal.host && owned.name == removal.name);
      }
    }
    if (!ok && ok.error().cls != ErrorClass::interrupted) {
      m_progress.warning("cleanup: " + ok.error().describe());
    }
  }
  // What --no-push built is its result: kept, with the run's name.
  for (const auto& result : m_outcome.platforms) {
    if (m_options.no_push && result.state == Phase::done) {
      for (auto& owned : m_owned) {
        owned.removed = owned.removed || (owned.host == result.host && owned.name == result.image_name);
      }
    }
  }
  if (m_last_abandoned && Clock::now() - *m_last_abandoned < k_settle) {
    std::this_thread::sleep_for(k_settle - (Clock::now() - *m_last_abandoned));
  }
  std::map<std::string, std::vector<const Owned*>> by_host;
  for (const auto& owned : m_owned) {
    if (!owned.removed) {
      by_host[owned.host].push_back(&owned);
    }
  }
  for (const auto& connected : m_connected) {
    by_host.try_emplace(connected.probe.host.name); // each host is also swept of old names
  }
  std::mutex left_mutex;
  const auto clean = [&](const std::string& host_name, hosts::Session& host, const std::vector<const Owned*>& owned) {
    const bool failed_here = m_dead_hosts.contains(host_name);
    const util::deadline::Scope bounded(Clock::now() + (failed_here ? k_cleanup_budget_cut : budget));
    std::vector<std::string> left;
    bool gone = false; // the host stopped answering: the rest is left without asking
    const auto remove = [&](const std::string& name) {
      if (gone) {
        left.push_back(name);
        return;
      }
      auto ok = is_list_name(name) ? host.client().manifest_delete(name) : host.client().remove_image(name);
      if (!ok && (ok.error().connection_lost() || ok.error().cls == ErrorClass::interrupted)) {
        gone = true;
        left.push_back(name);
      } else if (!ok) {
        m_progress.warning("cleanup: " + ok.error().describe());
      }
    };
    for (const auto* item : owned) {
      remove(item->name);
    }
    // Names an earlier run could not remove (its host hung, it was killed):
    // old enough that no run still uses them.
    auto names =
        gone ? util::fail(ErrorClass::internal, "host gone") : host.client().image_names(std::string(k_prefix) + "*");
    const auto stale_before = std::chrono::system_clock::now() - k_stale_names_after;
    for (const auto& name : names ? *names : std::vector<std::string>()) {
      const auto since = owned_name_time(name);
      if (since && *since < stale_before) {
        remove(name);
      }
    }
    if (!left.empty()) {
      const std::lock_guard lock(left_mutex);
      m_outcome.left_behind.emplace_back(host_name, std::move(left));
    }
  };
  std::vector<std::thread> workers;
  for (const auto& [host_name, owned] : by_host) {
    if (auto* host = session(host_name)) {
      workers.emplace_back([&clean, host, &host_name = host_name, &owned = owned] { clean(host_name, *host, owned); });
    } else if (!owned.empty()) {
      std::vector<std::string> names;
      for (const auto* item : owned) {
        names.push_back(item->name);
      }
      m_outcome.left_behind.emplace_back(host_name, std::move(names));
    }
  }
  for (auto& worker : workers) {
    worker.join();
  }
  for (const auto& [host_name, names] : m_outcome.left_behind) {
    m_progress.warning(fmt::format("cleanup: host {} did not answer in time; left there: {} (a later run removes "
                                   "them once they are {} h old; or run podman rmi on that host)",
                                   host_name, util::join(names, " "),
                                   std::chrono::duration_cast<std::chrono::hours>(k_stale_names_after).count()));
  }
}

} // namespace pma::job::detail
