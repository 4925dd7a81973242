// The build job (podman-multiarch-build(1)): connect, plan, build and push on
// every host in parallel (worker.cpp), publish the list (list.cpp) under the
// publishing rules (rules.cpp, tags.cpp), clean up (cleanup.cpp).
#include <pma/job/request.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <thread>

#include "fleet.hpp"
#include "fragments.hpp"
#include "inputs.hpp"
#include "list.hpp"
#include "names.hpp"
#include "rules.hpp"
#include "run_state.hpp"
#include "tags.hpp"
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

// The steps of one run, in order; each part owns its state (fleet, names,
// tags, list) and its lock.
class Job {
public:
  Job(const BuildOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
      const auth::CredentialStore& credentials, Environment& env)
    : m_hosts(hosts)
    , m_connect(connect)
    , m_run{options, credentials, env, new_run_id()}
    , m_names(m_run.id)
    , m_tags(m_run)
    , m_list(m_run, m_fleet, m_names, m_tags, m_outcome)
  {
  }

  BuildOutcome run();

private:
  BuildOutcome fail(Error error, std::optional<ExitStatus> status = std::nullopt);
  Result<void> connect_and_plan();
  Result<void> check_hosts_carry_options() const;
  bool emulators_matter() const;
  std::vector<oci::Platform> planned_platforms() const;
  void build_all();
  void publish();
  void cleanup();

  const std::vector<config::Host>& m_hosts;
  const hosts::ConnectOptions& m_connect;
  Run m_run;
  BuildOutcome m_outcome;
  Fleet m_fleet;
  Names m_names;
  Tags m_tags;
  ListAssembler m_list;
  Inputs m_inputs;
  std::atomic<bool> m_timed_out{false};
};

BuildOutcome
Job::run()
{
  const BuildOptions& options = m_run.options;
  const Deadline deadline(options.timeout, m_timed_out);
  // What the tags serve now is read from here while the hosts are dialled:
  // the credential check and the shrink check need it, the hosts do not.
  std::future<void> tag_reads;
  if (!options.dry_run && !options.no_push) {
    tag_reads = std::async(std::launch::async, [this] { m_tags.read_before(); });
  }
  if (auto ok = connect_and_plan(); !ok) {
    return fail(std::move(ok).error());
  }
  if (options.dry_run) {
    return std::move(m_outcome);
  }
  const auto unassigned = std::count_if(m_outcome.platforms.begin(), m_outcome.platforms.end(),
                                        [](const PlatformResult& r) { return r.state == Phase::failed; });
  if (unassigned > 0 && !options.allow_partial) {
    return fail(
        Error(ErrorClass::api,
              fmt::format("nothing published: {} of {} platforms have no host", unassigned, m_outcome.platforms.size()),
              "--allow-partial publishes the others"),
        ExitStatus::nothing_published);
  }
  if (!options.no_push && !options.fragment && m_list.coordinator() == nullptr) {
    return fail(m_list.no_coordinator_error()); // before anything is built
  }
  if (auto ok = check_hosts_carry_options(); !ok) {
    return fail(std::move(ok).error());
  }
  auto inputs = prepare_inputs(m_run, m_outcome.platforms);
  if (!inputs) {
    return fail(std::move(inputs).error());
  }
  m_inputs = std::move(*inputs);
  if (!options.no_push) {
    tag_reads.wait();
    if (auto ok = m_tags.check_credentials(); !ok) {
      return fail(std::move(ok).error());
    }
    if (auto ok = m_tags.check_existing(planned_platforms(), m_list.coordinator()); !ok) {
      return fail(std::move(ok).error());
    }
  }
  if (!util::interrupt::requested()) {
    build_all();
  }
  if (m_timed_out) {
    return fail(Error(ErrorClass::timeout,
                      fmt::format("--timeout {} s reached: nothing published",
                                  std::chrono::duration_cast<std::chrono::seconds>(*options.timeout).count()),
                      "the platforms' logs above show where the time went"));
  }
  if (util::interrupt::requested()) {
    // Ctrl-C: nothing new is published; what the run made is removed.
    return fail(Error(ErrorClass::interrupted, "interrupted: nothing published"));
  }
  if (!options.no_push) {
    options.fragment ? record_fragment(m_run, m_fleet, m_outcome) : publish(); // a fragment moves no tag
    if (m_timed_out && m_outcome.exit_status != ExitStatus::success) {
      m_outcome.exit_status = ExitStatus::failure;
      m_outcome.error = Error(ErrorClass::timeout, "--timeout reached while publishing the list");
    }
  } else {
    const bool failed = std::any_of(m_outcome.platforms.begin(), m_outcome.platforms.end(),
                                    [](const PlatformResult& r) { return r.state != Phase::done; });
    m_outcome.exit_status = failed ? ExitStatus::nothing_published : ExitStatus::success;
  }
  if (options.cleanup) {
    cleanup();
  }
  return std::move(m_outcome);
}

BuildOutcome
Job::fail(Error error, const std::optional<ExitStatus> status)
{
  for (auto& result : m_outcome.platforms) {
    if (result.state == Phase::queued) {
      result.state = Phase::skipped;
    }
  }
  m_outcome.exit_status = status.value_or(util::exit_status_for(error.cls));
  m_outcome.error = std::move(error);
  if (m_run.options.cleanup && !m_run.options.dry_run) {
    cleanup();
  }
  return std::move(m_outcome);
}

Result<void>
Job::connect_and_plan()
{
  const BuildOptions& options = m_run.options;
  hosts::ConnectOptions connect = m_connect;
  connect.host_info = emulators_matter();
  m_fleet.connect(m_hosts, connect, m_run.env.connector, m_run.progress());
  const std::vector<oci::Platform> platforms =
      options.platforms.empty() ? served_platforms(m_fleet.capacities()) : options.platforms;
  if (platforms.empty()) {
    return util::fail(ErrorClass::connect, "no host answered: nothing to build");
  }
  const Plan plan = plan_platforms(platforms, m_fleet.capacities(), options.emulation);
  for (const auto& assignment : plan.assignments) {
    PlatformResult result;
    result.platform = assignment.platform;
    result.host = assignment.host;
    result.reason = assignment.reason();
    if (m_run.publishes()) {
      result.pushed_to = push_destination(options, result, m_fleet.session(result.host)->capabilities());
    }
    m_outcome.platforms.push_back(std::move(result));
  }
  for (const auto& unassigned : plan.unassigned) {
    PlatformResult result;
    result.platform = unassigned.platform;
    result.state = Phase::failed;
    result.error = unassigned.error;
    m_run.progress().phase(result.platform, "-", Phase::failed, unassigned.error.message);
    m_outcome.platforms.push_back(std::move(result));
  }
  for (const auto& required : options.required) {
    if (std::find(platforms.begin(), platforms.end(), required) == platforms.end()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("--require names {}, which this run does not build", required.to_string()));
    }
  }
  for (const auto& result : m_outcome.platforms) {
    if (result.state == Phase::queued) {
      m_run.progress().info(fmt::format("{} → {} ({})", result.platform.to_string(), result.host, result.reason));
    }
  }
  return {};
}

// Whether the plan may send a platform to a host that does not serve it. If
// not, hosts that declare their platforms need no /info: pinging them is
// enough to start (hosts without declared platforms are always asked).
bool
Job::emulators_matter() const
{
  const BuildOptions& options = m_run.options;
  if (options.emulation != Emulation::fallback) {
    return options.emulation == Emulation::always;
  }
  return std::any_of(options.platforms.begin(), options.platforms.end(), [&](const oci::Platform& platform) {
    return std::none_of(m_hosts.begin(), m_hosts.end(), [&](const config::Host& host) {
      return std::find(host.platforms.begin(), host.platforms.end(), platform) != host.platforms.end();
    });
  });
}

std::vector<oci::Platform>
Job::planned_platforms() const
{
  std::vector<oci::Platform> out;
  for (const auto& result : m_outcome.platforms) {
    out.push_back(result.platform);
  }
  return out;
}

// Every option must reach every host as asked: where a host's podman cannot
// carry one, nothing is built.
Result<void>
Job::check_hosts_carry_options() const
{
  for (const auto& result : m_outcome.platforms) {
    auto* host = result.state == Phase::queued ? m_fleet.session(result.host) : nullptr;
    if (host == nullptr) {
      continue;
    }
    if (std::string why = unsupported_on(m_run.options, result.platform, host->capabilities()); !why.empty()) {
      return util::Unexpected(
          Error(ErrorClass::usage,
                fmt::format("{} on host {} ({}): nothing was built", why, result.host, result.platform.to_string()),
                why.starts_with("--source-date-epoch") && !util::env("SOURCE_DATE_EPOCH").empty()
                    ? "$SOURCE_DATE_EPOCH in the environment counts as --source-date-epoch, "
                      "as it does for podman 5.6; unset it, or build on newer hosts"
                    : "build that platform on a newer host (--host), or leave the option out"));
    }
  }
  return {};
}

void
Job::build_all()
{
  m_list.start(m_inputs);
  std::vector<std::thread> workers;
  for (size_t i = 0; i < m_outcome.platforms.size(); ++i) {
    if (m_outcome.platforms[i].state != Phase::queued) {
      continue;
    }
    workers.emplace_back([this, i] {
      Worker(m_run, m_inputs, m_fleet, m_names, m_outcome.platforms[i]).run();
      m_list.finished(i);
    });
  }
  for (auto& worker : workers) {
    worker.join();
  }
}

void
Job::publish()
{
  auto decision = decide_publish(m_run.options, m_outcome.platforms, m_tags.existing());
  if (decision.refusal) {
    m_outcome.exit_status = decision.refusal->status;
    m_outcome.error = std::move(decision.refusal->error);
    return;
  }
  if (!decision.failures.empty()) {
    m_run.progress().warning("partial publish: " + decision.failures);
  }
  if (auto ok = m_list.assemble_and_push(decision.images); !ok) {
    Error error = std::move(ok).error();
    for (const auto& tag : m_run.options.tags) {
      if (std::find(m_outcome.tags.begin(), m_outcome.tags.end(), tag.to_string()) == m_outcome.tags.end()) {
        m_outcome.tags_not_pushed.push_back(tag.to_string());
      }
    }
    if (m_outcome.tags.empty()) {
      m_outcome.exit_status = util::exit_status_for(error.cls);
    } else {
      // Some tags serve the new list, the others what they served before.
      m_outcome.exit_status = ExitStatus::failure;
      const size_t kept = m_outcome.tags_not_pushed.size();
      error.message =
          fmt::format("{}; {} serve{} the new list {}, {} still serve{} what {} served before", error.message,
                      util::join(m_outcome.tags, ", "), m_outcome.tags.size() == 1 ? "s" : "", m_outcome.index_digest,
                      util::join(m_outcome.tags_not_pushed, ", "), kept == 1 ? "s" : "", kept == 1 ? "it" : "they");
    }
    m_outcome.error = std::move(error);
    return;
  }
  if (auto ok = m_tags.verify(decision.images, m_list.coordinator(), m_outcome.index_digest); !ok) {
    if (ok.error().cls != ErrorClass::internal) {
      m_outcome.exit_status = ExitStatus::failure;
      m_outcome.error = std::move(ok).error();
      return;
    }
    m_run.progress().warning("not verified: " + ok.error().message);
  } else {
    m_outcome.verified = true;
    m_run.progress().info("verified: the registry serves every platform at the pushed digest");
  }
  m_outcome.exit_status = decision.failures.empty() ? ExitStatus::success : ExitStatus::partial;
}

void
Job::cleanup()
{
  // What --no-push built is its result: kept, with the run's name.
  std::vector<std::pair<std::string, std::string>> keep;
  for (const auto& result : m_outcome.platforms) {
    if (m_run.options.no_push && result.state == Phase::done) {
      keep.emplace_back(result.host, result.image_name);
    }
  }
  m_outcome.left_behind = m_names.clean(m_fleet, keep, m_run.progress(), m_run.env.timings);
}

} // namespace

} // namespace detail

BuildOutcome
run_build(const BuildOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
          const auth::CredentialStore& credentials, Environment& environment)
{
  return detail::Job(options, hosts, connect, credentials, environment).run();
}

BuildOutcome
run_build(const BuildOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
          const auth::CredentialStore& credentials, Progress& progress)
{
  RegistryReader registry(credentials, options.tls_verify.value_or(true));
  Environment environment{hosts::network_connector(), registry, progress};
  return run_build(options, hosts, connect, credentials, environment);
}

} // namespace pma::job
