#pragma once

// Private to src/job: the one queue of (target, platform) jobs of a run —
// which job may start, and on which host. Pure bookkeeping: the caller runs
// the jobs and says when each finished; the queue itself is not locked.
#include <pma/job/plan.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pma::job::detail {

class Queue {
public:
  struct Entry {
    std::vector<size_t> after; // jobs whose image this one builds from (same platform)
    std::string preferred;     // the plan's host
    bool same_host = false;    // must run where its `after` jobs ran (their images are only there)
  };
  // Hosts that may take a job now, best first (candidates_for() over the hosts still alive).
  using Candidates = std::function<std::vector<Assignment>(size_t job)>;

  // `slots`: jobs each host runs at once; a host without an entry, or 0, has no limit.
  Queue(std::vector<Entry> entries, std::map<std::string, int> slots);

  // The next job that can start now, and where. Among the hosts that may take
  // it and have a free slot: one where a job it builds from ran (the image is
  // there), then the plan's host, then the least busy; native before
  // emulated as candidates_for() ranks them. A job whose best hosts are all
  // busy waits for them rather than going to a worse one.
  std::optional<std::pair<size_t, Assignment>> next(const Candidates& candidates);

  // Job `job` finished (it ran on the host next() gave it).
  void finished(size_t job, bool ok);

  // Jobs that can never start, each once: (job, the job it waited for that
  // failed). The caller fails them, then calls finished(job, false).
  std::vector<std::pair<size_t, size_t>> doomed();

  // Jobs that wait for a host none of the candidates can give (all gone):
  // the caller fails them (and calls finished).
  std::vector<size_t> stranded(const Candidates& candidates);

  bool all_finished() const;
  size_t running() const;
  // Where job `job` ran (empty: not started).
  const std::string& host_of(size_t job) const;

private:
  enum class State { waiting, running, ok, failed, doomed };
  bool ready(size_t job) const;
  int free_slots(const std::string& host) const;

  std::vector<Entry> m_entries;
  std::map<std::string, int> m_slots;
  std::vector<State> m_state;
  std::vector<std::string> m_host;
  std::map<std::string, int> m_busy;
  std::vector<int> m_chain; // the longest chain of jobs waiting on each
};

} // namespace pma::job::detail
