// The run (podman-multiarch-build(1), podman-multiarch-bake(1)): connect,
// plan, build and push every (target, platform) job from one queue
// (dispatch.cpp, worker.cpp), publish the lists (list.cpp) under the
// publishing rules (rules.cpp, tags.cpp), clean up (cleanup.cpp).
#include "job.hpp"

#include <pma/job/request.hpp>
#include <pma/libpod/build_settings.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <map>
#include <thread>

#include "fragments.hpp"
#include "rules.hpp"
#include "worker.hpp"

namespace pma::job {

using util::Error;
using util::ErrorClass;
using util::ExitStatus;
using util::Result;

const char*
to_string(const Phase phase)
{
  switch (phase) {
  case Phase::queued:
    return "queued";
  case Phase::upload:
    return "upload";
  case Phase::build:
    return "build";
  case Phase::verify:
    return "verify";
  case Phase::push:
    return "push";
  case Phase::done:
    return "done";
  case Phase::failed:
    return "failed";
  case Phase::skipped:
    return "skipped";
  }
  return "?";
}

namespace detail {

Result<void>
Run::with_retries(const std::string& what, int& retries, const std::function<Result<void>()>& attempt) const
{
  return util::with_retries(options.retry, what, attempt, [&](const int retry, const std::string& message) {
    retries = retry;
    progress().warning(message);
  });
}

namespace {

// --timeout: when the deadline passes, stop everything as Ctrl-C does.
class Deadline {
public:
  Deadline(const std::optional<std::chrono::milliseconds> timeout, std::atomic<bool>& expired)
  {
    if (!timeout) {
      return;
    }
    m_thread = std::thread([this, timeout, &expired] {
      std::unique_lock lock(m_mutex);
      if (!m_done.wait_for(lock, *timeout, [this] { return m_finished; })) {
        expired = true;
        util::interrupt::request();
      }
    });
  }
  Deadline(const Deadline&) = delete;
  Deadline& operator=(const Deadline&) = delete;
  ~Deadline()
  {
    {
      const std::lock_guard lock(m_mutex);
      m_finished = true;
    }
    m_done.notify_all();
    if (m_thread.joinable()) {
      m_thread.join();
    }
  }

private:
  std::mutex m_mutex;
  std::condition_variable m_done;
  bool m_finished = false;
  std::thread m_thread;
};

// A target's options with the run-wide fields of the release.
BuildOptions
with_run_fields(BuildOptions options, const BuildOptions& run)
{
  options.emulation = run.emulation;
  options.dry_run = run.dry_run;
  options.check = run.check;
  options.no_push = run.no_push;
  options.fragment = run.fragment;
  options.allow_partial = run.allow_partial;
  options.required = run.required;
  options.allow_shrink = run.allow_shrink;
  options.cleanup = run.cleanup;
  options.manifest_host = run.manifest_host;
  options.build_idle_timeout = run.build_idle_timeout;
  options.retry = run.retry;
  options.retry_given = run.retry_given;
  options.emulator_crash_retries = run.emulator_crash_retries;
  options.timeout = run.timeout;
  return options;
}

} // namespace

Target::Target(const ReleaseTarget& target, const BuildOptions& run_options, const auth::CredentialStore& credentials,
               Environment& env, const std::string& run_id, std::string name_part, Fleet& fleet, Names& names)
  : spec(target)
  , options(with_run_fields(target.options, run_options))
  , run{options, credentials, env, run_id, target.name, std::move(name_part)}
  , tags(run)
  , list(run, fleet, names, tags, outcome)
{
}

std::string
Target::job_name(const oci::Platform& platform) const
{
  return spec.name.empty() ? platform.to_string() : spec.name + " " + platform.to_string();
}

std::string
Target::about() const
{
  return spec.name.empty() ? "" : "target " + spec.name + ": ";
}

Job::Job(const Release& release, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
         const auth::CredentialStore& credentials, Environment& env, const bool one_image)
  : m_release(release)
  , m_options(release.options)
  , m_hosts(hosts)
  , m_connect(connect)
  , m_env(env)
  , m_one_image(one_image)
  , m_run_id(new_run_id())
  , m_names(m_run_id)
{
  std::map<std::string, size_t> taken;
  for (const auto& target : release.targets) {
    std::string part = one_image ? "" : name_part_of(target.name);
    if (const size_t n = taken[part]++; n > 0) {
      part += fmt::format("-{}", n);
    }
    m_targets.push_back(
        std::make_unique<Target>(target, m_options, credentials, env, m_run_id, std::move(part), m_fleet, m_names));
  }
  for (auto& target : m_targets) {
    for (const auto& context : target->spec.target_contexts) {
      for (size_t i = 0; i < m_targets.size(); ++i) {
        if (m_targets[i]->spec.name == context.target) {
          target->depends_on.push_back(i);
          m_targets[i]->run.keep_images = true;
        }
      }
    }
  }
}

ReleaseOutcome
Job::run()
{
  const Deadline deadline(m_options.timeout, m_timed_out);
  // What the tags serve now is read from here while the hosts are dialled:
  // the credential check and the shrink check need it, the hosts do not.
  // One thread reads them all: the registry reader (and its tokens) is not shared between threads.
  if (!m_options.dry_run && !m_options.no_push) {
    m_tag_reads = std::async(std::launch::async, [this] {
      for (auto& target : m_targets) {
        target->tags.read_before();
      }
    });
  }
  if (auto ok = connect_and_plan(); !ok) {
    return fail(std::move(ok).error());
  }
  if (m_options.dry_run) {
    return finish();
  }
  if (m_options.check) {
    return check_only();
  }
  if (auto ok = check_before_building(); !ok) {
    return fail(std::move(ok).error(), m_refused_status);
  }
  if (m_env.signer != nullptr) {
    if (auto ok = m_env.signer->prepare(); !ok) { // a wrong passphrase costs no build
      return fail(std::move(ok).error());
    }
  }
  if (!util::interrupt::requested()) {
    build_all();
  }
  if (m_timed_out) {
    return fail(Error(ErrorClass::timeout,
                      fmt::format("--timeout {} s reached: nothing published",
                                  std::chrono::duration_cast<std::chrono::seconds>(*m_options.timeout).count()),
                      "the platforms' logs above show where the time went"));
  }
  if (util::interrupt::requested()) {
    // Ctrl-C: nothing new is published; what the run made is removed.
    return fail(Error(ErrorClass::interrupted, "interrupted: nothing published"));
  }
  if (!m_options.no_push) {
    m_options.fragment ? record_fragments() : publish(); // a fragment moves no tag
    if (m_timed_out && m_outcome.exit_status != ExitStatus::success) {
      m_outcome.exit_status = ExitStatus::failure;
      m_outcome.error = Error(ErrorClass::timeout, "--timeout reached while publishing the list");
    }
  } else {
    const bool failed = std::any_of(m_targets.begin(), m_targets.end(), [](const auto& target) {
      return std::any_of(target->outcome.platforms.begin(), target->outcome.platforms.end(),
                         [](const PlatformResult& r) { return r.state != Phase::done; });
    });
    m_outcome.exit_status = failed ? ExitStatus::nothing_published : ExitStatus::success;
  }
  if (m_options.cleanup) {
    cleanup();
  }
  return finish();
}

ReleaseOutcome
Job::fail(Error error, const std::optional<ExitStatus> status)
{
  for (auto& target : m_targets) {
    for (auto& result : target->outcome.platforms) {
      if (result.state == Phase::queued) {
        result.state = Phase::skipped;
      }
    }
  }
  m_outcome.exit_status = status.value_or(util::exit_status_for(error.cls));
  m_outcome.error = std::move(error);
  if (m_options.cleanup && !m_options.dry_run) {
    cleanup();
  }
  return finish();
}

ReleaseOutcome
Job::finish()
{
  for (auto& target : m_targets) {
    m_outcome.targets.push_back({target->spec.name, target->spec.required, std::move(target->outcome)});
  }
  return std::move(m_outcome);
}

Result<void>
Job::connect_and_plan()
{
  hosts::ConnectOptions connect = m_connect;
  // A release shares hosts between targets: their CPU counts set how many jobs
  // each takes, where the configuration does not (max-jobs).
  const bool counts_cpus = !m_one_image && std::any_of(m_hosts.begin(), m_hosts.end(),
                                                       [](const config::Host& host) { return host.max_jobs == 0; });
  connect.host_info = emulators_matter() || counts_cpus;
  m_fleet.connect(m_hosts, connect, m_env.connector, m_env.progress);
  std::vector<oci::Platform> all;
  for (auto& target : m_targets) {
    const auto& platforms = target->options.platforms;
    for (const auto& platform : platforms.empty() ? served_platforms(m_fleet.capacities()) : platforms) {
      PlatformResult result;
      result.platform = platform;
      target->outcome.platforms.push_back(std::move(result));
      if (std::find(all.begin(), all.end(), platform) == all.end()) {
        all.push_back(platform);
      }
    }
  }
  if (all.empty()) {
    return util::fail(ErrorClass::connect, "no host answered: nothing to build");
  }
  for (const auto& required : m_options.required) {
    if (std::find(all.begin(), all.end(), required) == all.end()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("--require names {}, which this run does not build", required.to_string()));
    }
  }
  plan_jobs();
  return {};
}

// Each job's host in the plan: least loaded among those that serve its
// platform (native before emulated), except that a job building FROM another
// target's image goes where that image is built when it can. The same input
// gives the same plan, so each host gets the same jobs run after run (its
// layer cache is warm); the queue departs from it only for a host that is
// busy when a job is ready.
void
Job::plan_jobs()
{
  std::map<std::string, int> load;
  std::map<std::pair<size_t, oci::Platform>, size_t> job_of; // (target, platform) → job
  for (size_t t = 0; t < m_targets.size(); ++t) {
    Target& target = *m_targets[t];
    for (size_t i = 0; i < target.outcome.platforms.size(); ++i) {
      PlatformResult& result = target.outcome.platforms[i];
      PlannedJob planned{target.spec.name, result.platform, "", "", {}};
      Queue::Entry entry;
      entry.same_host = m_options.no_push && !target.depends_on.empty();
      entry.early = !target.depends_on.empty() && (m_options.no_push || uses_local_images(target.options.pull));
      for (const size_t d : target.depends_on) {
        if (const auto it = job_of.find({d, result.platform}); it != job_of.end()) {
          entry.after.push_back(it->second);
          planned.after.push_back(fmt::format("{} {}", m_targets[d]->spec.name, result.platform.to_string()));
        }
      }
      const auto candidates = candidates_for(result.platform, m_fleet.capacities(), m_options.emulation);
      if (candidates.empty()) {
        Error error = no_host_for(result.platform, m_fleet.capacities(), m_options.emulation);
        planned.reason = error.message;
        result.state = Phase::failed;
        result.error = std::move(error);
        m_env.progress.phase(target.spec.name, result.platform, "-", Phase::failed, result.error->message);
        m_outcome.plan.push_back(std::move(planned));
        continue;
      }
      const Assignment* best = nullptr;
      for (const auto& candidate : candidates) {
        const bool beside = std::any_of(entry.after.begin(), entry.after.end(), [&](const size_t before) {
          return m_entries[before].preferred == candidate.host;
        });
        if (beside) {
          best = &candidate;
          break;
        }
        // Least loaded wins; native beats emulated at equal load; host order breaks ties.
        if (best == nullptr || load[candidate.host] < load[best->host] ||
            (load[candidate.host] == load[best->host] && best->why == Assignment::Why::emulated &&
             candidate.why != Assignment::Why::emulated)) {
          best = &candidate;
        }
      }
      ++load[best->host];
      result.host = best->host;
      result.reason = best->reason();
      if (target.run.publishes()) {
        result.pushed_to = push_destination(target.options, result, m_fleet.session(result.host)->capabilities());
      }
      planned.host = best->host;
      planned.reason = result.reason;
      entry.preferred = best->host;
      job_of[{t, result.platform}] = m_jobs.size();
      m_jobs.push_back({t, i});
      m_entries.push_back(std::move(entry));
      m_outcome.plan.push_back(std::move(planned));
      m_env.progress.info(fmt::format("{} → {} ({})", target.job_name(result.platform), result.host, result.reason));
    }
  }
}

// Whether the plan may send a platform to a host that does not serve it. If
// not, hosts that declare their platforms need no /info: pinging them is
// enough to start (hosts without declared platforms are always asked).
bool
Job::emulators_matter() const
{
  if (m_options.emulation != Emulation::fallback) {
    return m_options.emulation == Emulation::always;
  }
  return std::any_of(m_targets.begin(), m_targets.end(), [&](const auto& target) {
    const auto& platforms = target->options.platforms;
    return std::any_of(platforms.begin(), platforms.end(), [&](const oci::Platform& platform) {
      return std::none_of(m_hosts.begin(), m_hosts.end(), [&](const config::Host& host) {
        return std::find(host.platforms.begin(), host.platforms.end(), platform) != host.platforms.end();
      });
    });
  });
}

void
Job::cleanup()
{
  // What --no-push built is its result: kept, with the run's name.
  std::vector<std::pair<std::string, std::string>> keep;
  for (const auto& target : m_targets) {
    for (const auto& result : target->outcome.platforms) {
      if (m_options.no_push && result.state == Phase::done) {
        keep.emplace_back(result.host, result.image_name);
      }
    }
  }
  const auto left = m_names.clean(m_fleet, keep, m_env.progress, m_env.timings);
  for (auto& target : m_targets) {
    target->outcome.left_behind = left;
  }
}

} // namespace detail

} // namespace pma::job
