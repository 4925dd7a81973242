// The builds of a run: every (target, platform) job started from one queue
// (queue.hpp) as soon as the images it builds from are ready (pushed; or built,
// for a job that takes them from their host's storage) and a host that may take
// it has a free slot; each runs as a Worker on its own thread.
#include <pma/job/request.hpp>
#include <pma/util/interrupt.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <map>
#include <mutex>
#include <thread>

#include "job.hpp"
#include "worker.hpp"

namespace pma::job::detail {

using util::Error;
using util::ErrorClass;

// The pull policies under which podman takes an image context from its own
// storage when it is there: the image a target built on this host is used as
// it is, by its name; otherwise it comes from the registry by digest.
bool
uses_local_images(const std::string& pull)
{
  return pull == "missing" || pull == "never" || pull == "false" || pull == "ifmissing";
}

// The build contexts of job `job` that name images, NAME=image:REF: a job it
// builds from that ran on the same host gives its image by its name on that
// host (which may still be pushing it: the queue starts such jobs early); one
// elsewhere, or unchanged, by digest from the registry. Then the pins of its
// base images (incremental builds).
std::vector<std::string>
Job::image_contexts(const size_t job, const Queue& queue) const
{
  const QueuedJob& queued = m_jobs[job];
  const Target& target = *m_targets[queued.target];
  const PlatformResult& result = target.outcome.platforms[queued.index];
  std::vector<std::string> out;
  for (const size_t before : m_entries[job].after) {
    const Target& other = *m_targets[m_jobs[before].target];
    const PlatformResult& built = other.outcome.platforms[m_jobs[before].index];
    const bool local = queue.image_host(before) == result.host && m_entries[job].early;
    const std::string image = local || built.digest.empty()
                                  ? built.image_name
                                  : other.inputs.repository.with_digest(built.digest).to_string();
    for (const auto& context : target.spec.target_contexts) {
      if (context.target == other.spec.name) {
        out.push_back(fmt::format("{}=image:{}", context.name, image));
      }
    }
  }
  if (queued.index < target.pins.size()) {
    const auto& pins = target.pins[queued.index];
    out.insert(out.end(), pins.begin(), pins.end());
  }
  return out;
}

// A job may share its build request with others of its host (group.hpp) when
// its context crosses a network (an SSH or TCP host) and nothing in its
// request is its own: it builds FROM no other target and takes no directory as
// a build context (each is an image of its platform).
bool
Job::groupable(const size_t job) const
{
  const Target& target = *m_targets[m_jobs[job].target];
  const PlatformResult& result = target.outcome.platforms[m_jobs[job].index];
  const auto* session = m_fleet.session(result.host);
  return session != nullptr && session->host().url.scheme != transport::Scheme::unix_socket &&
         m_entries[job].after.empty() && target.spec.target_contexts.empty() && target.options.local_contexts.empty();
}

// Whether two jobs of one target and host make the same request but for the
// platform: same Containerfile, options, and bases pinned through the same lists.
bool
Job::one_request(const size_t a, const size_t b) const
{
  const Target& target = *m_targets[m_jobs[a].target];
  const size_t ia = m_jobs[a].index;
  const size_t ib = m_jobs[b].index;
  const oci::Platform& pa = target.outcome.platforms[ia].platform;
  const oci::Platform& pb = target.outcome.platforms[ib].platform;
  const auto& caps = m_fleet.session(target.outcome.platforms[ia].host)->capabilities();
  libpod::BuildRequest ra = build_request(target.options, pa, caps);
  const libpod::BuildRequest rb = build_request(target.options, pb, caps);
  ra.platform = rb.platform;
  ra.platform_text = rb.platform_text;
  const auto pins = [&](const size_t i) {
    return i < target.list_pins.size() ? target.list_pins[i] : std::vector<std::string>{};
  };
  return ra == rb && containerfile_for(target.options, pa) == containerfile_for(target.options, pb) &&
         pins(ia) == pins(ib);
}

std::map<size_t, std::shared_ptr<BuildGroup>>
Job::groups_of(const std::vector<size_t>& started) const
{
  std::map<std::pair<size_t, std::string>, std::vector<size_t>> candidates; // (target, host) → jobs
  for (const size_t job : started) {
    if (groupable(job)) {
      const auto& result = m_targets[m_jobs[job].target]->outcome.platforms[m_jobs[job].index];
      candidates[{m_jobs[job].target, result.host}].push_back(job);
    }
  }
  std::map<size_t, std::shared_ptr<BuildGroup>> out;
  for (auto& [key, jobs] : candidates) {
    while (jobs.size() > 1) {
      std::vector<size_t> members;
      std::vector<size_t> rest;
      for (const size_t job : jobs) {
        (members.empty() || one_request(members.front(), job) ? members : rest).push_back(job);
      }
      if (members.size() > 1) {
        const Target& target = *m_targets[key.first];
        std::vector<oci::Platform> platforms;
        platforms.reserve(members.size());
        for (const size_t job : members) {
          platforms.push_back(target.outcome.platforms[m_jobs[job].index].platform);
        }
        const size_t first = m_jobs[members.front()].index;
        auto group = std::make_shared<BuildGroup>(key.second, std::move(platforms),
                                                  first < target.list_pins.size() ? target.list_pins[first]
                                                                                  : std::vector<std::string>{});
        for (const size_t job : members) {
          out[job] = group;
        }
      }
      jobs = std::move(rest);
    }
  }
  return out;
}

void
Job::build_all()
{
  for (auto& target : m_targets) {
    if (!target->current) {
      target->list.start(target->inputs);
    }
  }
  std::map<std::string, int> slots;
  if (!m_one_image) {
    for (const auto& capacity : m_fleet.capacities()) {
      slots[capacity.name] = capacity.slots;
    }
  }
  Queue queue(m_entries, slots);
  for (size_t job = 0; job < m_jobs.size(); ++job) {
    Target& target = *m_targets[m_jobs[job].target];
    if (target.outcome.platforms[m_jobs[job].index].state == Phase::done) {
      // Unchanged (incremental builds): its image is in the registry already.
      queue.finished(job, true);
      if (!target.current) {
        target.list.finished(m_jobs[job].index);
      }
    }
  }
  const Queue::Candidates candidates = [this](const size_t job) {
    const auto& result = m_targets[m_jobs[job].target]->outcome.platforms[m_jobs[job].index];
    return candidates_for(result.platform, m_fleet.alive(), m_options.emulation);
  };
  std::mutex mutex;
  std::condition_variable changed;
  std::vector<std::thread> threads;
  const auto fail_job = [&](const size_t job, Error error) {
    Target& target = *m_targets[m_jobs[job].target];
    PlatformResult& result = target.outcome.platforms[m_jobs[job].index];
    error.platform = result.platform.to_string();
    result.state = Phase::failed;
    m_env.progress.phase(target.spec.name, result.platform, result.host.empty() ? "-" : result.host, Phase::failed,
                         error.message);
    result.error = std::move(error);
    queue.finished(job, false);
    threads.emplace_back([&target, index = m_jobs[job].index] { target.list.finished(index); });
  };
  std::unique_lock lock(mutex);
  while (!queue.all_finished()) {
    for (const auto& [job, before] : queue.doomed()) {
      const QueuedJob& failed = m_jobs[before];
      const auto& dependency = m_targets[failed.target]->outcome.platforms[failed.index];
      fail_job(job,
               Error(ErrorClass::api, fmt::format("not built: {} failed for {}", m_targets[failed.target]->spec.name,
                                                  dependency.platform.to_string())));
    }
    if (util::interrupt::requested()) {
      if (queue.running() == 0) {
        break; // what has not started is skipped
      }
    } else {
      std::vector<size_t> started;
      while (auto start = queue.next(candidates)) {
        started.push_back(start->first);
        const QueuedJob job = m_jobs[start->first];
        Target& target = *m_targets[job.target];
        PlatformResult& result = target.outcome.platforms[job.index];
        if (result.host != start->second.host) {
          m_env.progress.info(fmt::format("{}: {} {}; building on {} ({})", target.job_name(result.platform),
                                          result.host,
                                          m_fleet.is_dead(result.host) ? "failed during this run" : "is busy",
                                          start->second.host, start->second.reason()));
          result.host = start->second.host;
          result.reason = start->second.reason();
          if (target.run.publishes()) {
            result.pushed_to = push_destination(target.options, result, m_fleet.session(result.host)->capabilities());
          }
        }
      }
      const auto groups = groups_of(started);
      for (const size_t started_job : started) {
        const QueuedJob job = m_jobs[started_job];
        const auto group = groups.find(started_job);
        threads.emplace_back([&, job, index = started_job, contexts = image_contexts(started_job, queue),
                              group = group == groups.end() ? nullptr : group->second] {
          Target& mine = *m_targets[job.target];
          PlatformResult& built = mine.outcome.platforms[job.index];
          const auto on_built = [&] {
            const std::lock_guard ready(mutex);
            queue.built(index, built.host);
            changed.notify_all();
          };
          Worker(mine.run, mine.inputs, m_fleet, m_names, built, contexts, on_built, group).run();
          mine.list.finished(job.index);
          const std::lock_guard done(mutex);
          queue.finished(index, built.state == Phase::done);
          changed.notify_all();
        });
      }
      for (const size_t job : queue.stranded(candidates)) {
        const auto& result = m_targets[m_jobs[job].target]->outcome.platforms[m_jobs[job].index];
        fail_job(job, no_host_for(result.platform, m_fleet.alive(), m_options.emulation));
      }
    }
    if (!queue.all_finished()) {
      changed.wait_for(lock, std::chrono::milliseconds(200));
    }
  }
  lock.unlock();
  for (auto& thread : threads) {
    thread.join();
  }
  // A job started FROM an image that was built and then failed to push: it
  // fails with it, as one that had not started would.
  for (const auto& [job, before] : queue.orphaned()) {
    Target& target = *m_targets[m_jobs[job].target];
    PlatformResult& result = target.outcome.platforms[m_jobs[job].index];
    const Target& failed = *m_targets[m_jobs[before].target];
    Error error(ErrorClass::api,
                fmt::format("built FROM {} for {}, which then failed", failed.spec.name, result.platform.to_string()));
    error.host = result.host;
    error.platform = result.platform.to_string();
    result.state = Phase::failed;
    m_env.progress.phase(target.spec.name, result.platform, result.host, Phase::failed, error.message);
    result.error = std::move(error);
  }
}

} // namespace pma::job::detail
