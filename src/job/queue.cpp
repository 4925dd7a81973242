// The run's queue of (target, platform) jobs (queue.hpp).
#include "queue.hpp"

#include <algorithm>
#include <numeric>
#include <tuple>

namespace pma::job::detail {

Queue::Queue(std::vector<Entry> entries, std::map<std::string, int> slots)
  : m_entries(std::move(entries))
  , m_slots(std::move(slots))
  , m_state(m_entries.size(), State::waiting)
  , m_image_host(m_entries.size())
  , m_host(m_entries.size())
  , m_chain(m_entries.size(), 0)
{
  // The longest chain of jobs waiting on each job: a job many others wait for
  // starts first when several are ready (the critical path). Jobs only wait
  // for earlier ones, so one pass from the end suffices.
  for (size_t job = m_entries.size(); job-- > 0;) {
    for (const size_t before : m_entries[job].after) {
      m_chain[before] = std::max(m_chain[before], m_chain[job] + 1);
    }
  }
}

bool
Queue::ready(const size_t job) const
{
  const Entry& entry = m_entries[job];
  return m_state[job] == State::waiting &&
         std::all_of(entry.after.begin(), entry.after.end(),
                     [&](const size_t before) {
                       return m_state[before] == State::ok ||
                              (entry.early && !m_image_host[before].empty() && m_state[before] == State::running);
                     }) &&
         unpushed_host(job).has_value();
}

std::optional<std::string>
Queue::unpushed_host(const size_t job) const
{
  std::string host;
  for (const size_t before : m_entries[job].after) {
    if (m_state[before] == State::ok) {
      continue;
    }
    if (!host.empty() && host != m_image_host[before]) {
      return std::nullopt;
    }
    host = m_image_host[before];
  }
  return host;
}

bool
Queue::may_run_on(const size_t job, const std::string& host) const
{
  const auto& after = m_entries[job].after;
  if (m_entries[job].same_host) {
    return std::any_of(after.begin(), after.end(), [&](const size_t before) { return m_image_host[before] == host; });
  }
  const std::string pinned = unpushed_host(job).value_or("");
  return pinned.empty() || pinned == host;
}

int
Queue::free_slots(const std::string& host) const
{
  const auto limit = m_slots.find(host);
  if (limit == m_slots.end() || limit->second <= 0) {
    return 1;
  }
  const auto busy = m_busy.find(host);
  return limit->second - (busy == m_busy.end() ? 0 : busy->second);
}

std::optional<std::pair<size_t, Assignment>>
Queue::next(const Candidates& candidates)
{
  std::vector<size_t> order(m_entries.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [this](const size_t a, const size_t b) { return m_chain[a] > m_chain[b]; });
  for (const size_t job : order) {
    if (!ready(job)) {
      continue;
    }
    const Entry& entry = m_entries[job];
    std::vector<std::string> beside; // where the images it builds from are
    for (const size_t before : entry.after) {
      beside.push_back(m_image_host[before]);
    }
    const auto rank = [&](const Assignment& a, const size_t position) {
      const bool near = std::find(beside.begin(), beside.end(), a.host) != beside.end();
      const auto busy = m_busy.find(a.host);
      return std::make_tuple(!near, a.host != entry.preferred, a.why == Assignment::Why::emulated,
                             busy == m_busy.end() ? 0 : busy->second, position);
    };
    const std::vector<Assignment> hosts = candidates(job);
    std::optional<size_t> best;
    for (size_t i = 0; i < hosts.size(); ++i) {
      if (!may_run_on(job, hosts[i].host)) {
        continue;
      }
      if (free_slots(hosts[i].host) > 0 && (!best || rank(hosts[i], i) < rank(hosts[*best], *best))) {
        best = i;
      }
    }
    if (best) {
      m_state[job] = State::running;
      m_host[job] = hosts[*best].host;
      ++m_busy[m_host[job]];
      return std::make_pair(job, hosts[*best]);
    }
  }
  return std::nullopt;
}

void
Queue::built(const size_t job, const std::string& host)
{
  m_image_host[job] = host;
}

void
Queue::finished(const size_t job, const bool ok)
{
  if (m_state[job] == State::running) {
    --m_busy[m_host[job]];
  }
  m_state[job] = ok ? State::ok : State::failed;
}

std::vector<std::pair<size_t, size_t>>
Queue::doomed()
{
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t job = 0; job < m_entries.size(); ++job) {
    if (m_state[job] != State::waiting) {
      continue;
    }
    for (const size_t before : m_entries[job].after) {
      if (m_state[before] == State::failed || m_state[before] == State::doomed) {
        m_state[job] = State::doomed;
        out.emplace_back(job, before);
        break;
      }
    }
  }
  return out;
}

std::vector<size_t>
Queue::stranded(const Candidates& candidates)
{
  std::vector<size_t> out;
  for (size_t job = 0; job < m_entries.size(); ++job) {
    if (!ready(job)) {
      continue;
    }
    const std::vector<Assignment> hosts = candidates(job);
    const bool any =
        std::any_of(hosts.begin(), hosts.end(), [&](const Assignment& a) { return may_run_on(job, a.host); });
    if (!any) {
      m_state[job] = State::doomed;
      out.push_back(job);
    }
  }
  return out;
}

std::vector<std::pair<size_t, size_t>>
Queue::orphaned()
{
  std::vector<std::pair<size_t, size_t>> out;
  for (size_t job = 0; job < m_entries.size(); ++job) { // jobs only wait for earlier ones
    if (m_state[job] != State::ok) {
      continue;
    }
    for (const size_t before : m_entries[job].after) {
      if (m_state[before] != State::ok) {
        m_state[job] = State::failed;
        out.emplace_back(job, before);
        break;
      }
    }
  }
  return out;
}

bool
Queue::all_finished() const
{
  return std::none_of(m_state.begin(), m_state.end(),
                      [](const State s) { return s == State::waiting || s == State::running; });
}

size_t
Queue::running() const
{
  return static_cast<size_t>(std::count(m_state.begin(), m_state.end(), State::running));
}

const std::string&
Queue::image_host(const size_t job) const
{
  return m_image_host[job];
}

} // namespace pma::job::detail
