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
    // It takes the images it builds from out of their host's storage when it
    // runs there: it may start there as soon as they are built and checked,
    // while they are pushed (elsewhere it needs them pushed).
    bool early = false;
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

  // Job `job`'s image is built, on `host` (where it ran, or the host it failed
  // over to), and its platform checked; its push may follow.
  void built(size_t job, const std::string& host);
  // Job `job` finished (it ran on the host next() gave it).
  void finished(size_t job, bool ok);

  // Jobs that can never start, each once: (job, the job it waited for that
  // failed). The caller fails them, then calls finished(job, false).
  std::vector<std::pair<size_t, size_t>> doomed();

  // Jobs that wait for a host none of the candidates can give (all gone):
  // the caller fails them (and calls finished).
  std::vector<size_t> stranded(const Candidates& candidates);

  // Once all have finished: jobs that succeeded although a job they built
  // from failed afterwards (it was built, its push failed), each once, in
  // order, with that job. The caller fails them too.
  std::vector<std::pair<size_t, size_t>> orphaned();

  bool all_finished() const;
  size_t running() const;
  // Where job `job`'s image is (empty: not built).
  const std::string& image_host(size_t job) const;

private:
  enum class State { waiting, running, ok, failed, doomed };
  bool ready(size_t job) const;
  // Where the images job `job` builds from that are built but not pushed yet
  // are: "" if none; nullopt if on more than one host (it waits for a push).
  std::optional<std::string> unpushed_host(size_t job) const;
  // Whether job `job` may run on `host` now: where the images it takes from a
  // host's storage are (--no-push: any of them, as before).
  bool may_run_on(size_t job, const std::string& host) const;
  int free_slots(const std::string& host) const;

  std::vector<Entry> m_entries;
  std::map<std::string, int> m_slots;
  std::vector<State> m_state;
  std::vector<std::string> m_image_host; // set when built
  std::vector<std::string> m_host;
  std::map<std::string, int> m_busy;
  std::vector<int> m_chain; // the longest chain of jobs waiting on each
};

} // namespace pma::job::detail
