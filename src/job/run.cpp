// The build job: connect, plan, build and push on every host in parallel,
// then publish (publish.cpp).
#include <pma/context/containerfile.hpp>
#include <pma/context/context.hpp>
#include <pma/job/request.hpp>
#include <pma/libpod/emulator_crash.hpp>
#include <pma/registry/reader.hpp>
#include <pma/util/deadline.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <condition_variable>
#include <future>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "runner.hpp"

namespace pma::job {

using util::Error;
using util::ErrorClass;
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

std::string
arch_tag(const std::string& format, const std::string& tag, const oci::Platform& platform)
{
  std::string out = format;
  const auto replace = [&out](const std::string& key, const std::string& value) {
    for (size_t at = out.find(key); at != std::string::npos; at = out.find(key, at + value.size())) {
      out.replace(at, key.size(), value);
    }
  };
  replace("{tag}", tag.empty() ? "latest" : tag);
  replace("{os}", platform.os);
  replace("{arch}", platform.architecture);
  replace("{-variant}", platform.variant.empty() ? "" : "-" + platform.variant);
  replace("{variant}", platform.variant);
  return out;
}

namespace detail {

std::string
new_run_id()
{
  std::random_device device;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  return fmt::format("{}-{:08x}", std::chrono::duration_cast<std::chrono::seconds>(now).count(), device());
}

Runner::Runner(const BuildOptions& options, const std::vector<config::Host>& hosts,
               const hosts::ConnectOptions& connect, const auth::CredentialStore& credentials, Progress& progress)
  : m_options(options)
  , m_hosts(hosts)
  , m_connect(connect)
  , m_credentials(credentials)
  , m_progress(progress)
  , m_run_id(new_run_id())
  , m_registry(credentials, {.tls_verify = options.tls_verify.value_or(true)})
{
}

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

BuildOutcome
Runner::run()
{
  const Deadline deadline(m_options.timeout, m_timed_out);
  // What the tags serve now is read from here while the hosts are dialled:
  // the credential check and the shrink check need it, the hosts do not.
  std::future<void> tag_reads;
  if (!m_options.dry_run && !m_options.no_push) {
    tag_reads = std::async(std::launch::async, [this] {
      for (const auto& tag : m_options.tags) {
        m_tags_before.push_back(m_registry.find(tag));
      }
    });
  }
  if (auto ok = connect_and_plan(); !ok) {
    return fail(std::move(ok).error());
  }
  if (m_options.dry_run) {
    return std::move(m_outcome);
  }
  const auto unassigned = std::count_if(m_outcome.platforms.begin(), m_outcome.platforms.end(),
                                        [](const PlatformResult& r) { return r.state == Phase::failed; });
  if (unassigned > 0 && !m_options.allow_partial) {
    m_outcome.exit_code = 4;
    return fail(
        Error(ErrorClass::api,
              fmt::format("nothing published: {} of {} platforms have no host", unassigned, m_outcome.platforms.size()),
              "--allow-partial publishes the others"));
  }
  if (!m_options.no_push && choose_coordinator() == nullptr) {
    return fail(no_coordinator_error()); // before anything is built
  }
  if (auto ok = check_hosts_carry_options(); !ok) {
    return fail(std::move(ok).error());
  }
  if (auto ok = prepare(); !ok) {
    return fail(std::move(ok).error());
  }
  if (!m_options.no_push) {
    tag_reads.wait();
    if (auto ok = preflight_credentials(); !ok) {
      return fail(std::move(ok).error());
    }
    if (auto ok = check_existing_tags(planned_platforms()); !ok) {
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
    m_outcome.exit_code = 130;
    return fail(Error(ErrorClass::interrupted, "interrupted: nothing published"));
  }
  if (!m_options.no_push) {
    publish();
    if (m_timed_out && m_outcome.exit_code != 0) {
      m_outcome.exit_code = 1;
      m_outcome.error = Error(ErrorClass::timeout, "--timeout reached while publishing the list");
    }
  } else {
    const bool failed = std::any_of(m_outcome.platforms.begin(), m_outcome.platforms.end(),
                                    [](const PlatformResult& r) { return r.state != Phase::done; });
    m_outcome.exit_code = failed ? 4 : 0;
  }
  if (m_options.cleanup) {
    cleanup();
  }
  return std::move(m_outcome);
}

BuildOutcome
Runner::fail(Error error)
{
  for (auto& result : m_outcome.platforms) {
    if (result.state == Phase::queued) {
      result.state = Phase::skipped;
    }
  }
  m_outcome.exit_code = m_outcome.exit_code != 0 ? m_outcome.exit_code : util::to_int(util::exit_status_for(error.cls));
  m_outcome.error = std::move(error);
  if (m_options.cleanup && !m_options.dry_run) {
    cleanup();
  }
  return std::move(m_outcome);
}

Result<void>
Runner::connect_and_plan()
{
  hosts::ConnectOptions connect = m_connect;
  connect.host_info = emulators_matter();
  m_connected = hosts::connect_hosts(m_hosts, connect);
  std::vector<HostCapacity> capacities;
  for (const auto& connected : m_connected) {
    const auto& probe = connected.probe;
    HostCapacity capacity;
    capacity.name = probe.host.name;
    capacity.reachable = probe.ok();
    capacity.declared = !probe.host.platforms.empty();
    capacity.serves = probe.serves;
    if (probe.info) {
      capacity.emulated = probe.info->emulated;
    }
    if (!probe.ok()) {
      capacity.unreachable_reason = probe.error->message;
      m_progress.warning(probe.error->describe());
    }
    capacities.push_back(std::move(capacity));
  }
  m_capacities = capacities;
  const std::vector<oci::Platform> platforms =
      m_options.platforms.empty() ? served_platforms(capacities) : m_options.platforms;
  if (platforms.empty()) {
    return util::fail(ErrorClass::connect, "no host answered: nothing to build");
  }
  const Plan plan = plan_platforms(platforms, capacities, m_options.emulation);
  for (const auto& assignment : plan.assignments) {
    PlatformResult result;
    result.platform = assignment.platform;
    result.host = assignment.host;
    result.reason = assignment.reason();
    if (!m_options.tags.empty() && !m_options.no_push) {
      result.pushed_to = push_destination(result, *session(result.host));
    }
    m_outcome.platforms.push_back(std::move(result));
  }
  for (const auto& unassigned : plan.unassigned) {
    PlatformResult result;
    result.platform = unassigned.platform;
    result.state = Phase::failed;
    result.error = unassigned.error;
    m_progress.phase(result.platform, "-", Phase::failed, unassigned.error.message);
    m_outcome.platforms.push_back(std::move(result));
  }
  for (const auto& required : m_options.required) {
    if (std::find(platforms.begin(), platforms.end(), required) == platforms.end()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("--require names {}, which this run does not build", required.to_string()));
    }
  }
  for (const auto& result : m_outcome.platforms) {
    if (result.state == Phase::queued) {
      m_progress.info(fmt::format("{} → {} ({})", result.platform.to_string(), result.host, result.reason));
    }
  }
  return {};
}

// Whether the plan may send a platform to a host that does not serve it. If
// not, hosts that declare their platforms need no /info: pinging them is
// enough to start (hosts without declared platforms are always asked).
bool
Runner::emulators_matter() const
{
  if (m_options.emulation != Emulation::fallback) {
    return m_options.emulation == Emulation::always;
  }
  return std::any_of(m_options.platforms.begin(), m_options.platforms.end(), [&](const oci::Platform& platform) {
    return std::none_of(m_hosts.begin(), m_hosts.end(), [&](const config::Host& host) {
      return std::find(host.platforms.begin(), host.platforms.end(), platform) != host.platforms.end();
    });
  });
}

std::vector<oci::Platform>
Runner::planned_platforms() const
{
  std::vector<oci::Platform> out;
  for (const auto& result : m_outcome.platforms) {
    out.push_back(result.platform);
  }
  return out;
}

hosts::Session*
Runner::session(const std::string& host)
{
  for (auto& connected : m_connected) {
    if (connected.probe.host.name == host && connected.session) {
      return connected.session.get();
    }
  }
  return nullptr;
}

const context::ContextPlan&
Runner::context_for(const oci::Platform& platform) const
{
  return m_contexts.at(containerfile_for(m_options, platform));
}

Result<void>
Runner::prepare()
{
  // Secrets travel in the context tar; the service moves them out of the
  // context before the build (and COPY would skip them: they are in excludes).
  std::vector<context::ExtraFile> secrets;
  for (size_t i = 0; i < m_options.secrets.size(); ++i) {
    const auto& secret = m_options.secrets[i];
    const std::string name = fmt::format(".podman-multiarch.secret-{}", i);
    secrets.push_back({name, secret.file, secret.value, 0600});
    m_secret_specs.push_back(fmt::format("id={},src={},type=file", secret.id, name));
  }
  for (const auto& local : m_options.local_contexts) {
    // Only what the directory holds: its own ignore files are not applied, as by podman.
    auto plan = context::plan_context(local.directory, {"-", "FROM scratch\nCOPY . /\n", "/dev/null", {}});
    if (!plan) {
      return util::Unexpected(std::move(plan).error());
    }
    m_local_context_plans.push_back(std::move(*plan));
  }
  // One context plan per Containerfile (--platform-file may name others);
  // base-image pulls get the credentials of the images they name, and no others.
  std::vector<std::string> base_images;
  for (const auto& result : m_outcome.platforms) {
    if (result.state != Phase::queued) {
      continue;
    }
    const std::string containerfile = containerfile_for(m_options, result.platform);
    if (!m_contexts.contains(containerfile)) {
      context::ContextOptions options{containerfile, containerfile == "-" ? m_options.containerfile_text : "",
                                      m_options.ignore_file, secrets};
      auto plan = context::plan_context(m_options.context_dir, options);
      if (!plan) {
        return util::Unexpected(std::move(plan).error());
      }
      m_progress.info(fmt::format("context {}: {} entries, {} bytes; {} excluded by {}", plan->root.string(),
                                  plan->entries.size(), plan->file_bytes, plan->excluded,
                                  plan->ignore_file.empty() ? "no ignore file" : plan->ignore_file));
      m_contexts.emplace(containerfile, std::move(*plan));
    }
    const auto& plan = m_contexts.at(containerfile);
    auto args = m_options.build_args;
    if (const auto it = m_options.overrides.find(result.platform); it != m_options.overrides.end()) {
      for (const auto& [key, value] : it->second.build_args) {
        args[key] = value;
      }
    }
    for (auto& image : context::base_images(plan.containerfile_text, args)) {
      base_images.push_back(std::move(image));
    }
  }
  // Images the options name: --from, image build contexts, the layer cache
  // (--cache-to pushes there).
  for (const auto& setting : m_options.settings) {
    for (const auto& value : setting.values) {
      if (setting.option == libpod::BuildOption::from || setting.option == libpod::BuildOption::cache_from ||
          setting.option == libpod::BuildOption::cache_to) {
        base_images.push_back(value);
      } else if (setting.option == libpod::BuildOption::build_context && value.find("=image:") != std::string::npos) {
        base_images.push_back(value.substr(value.find("=image:") + 7));
      }
    }
  }
  m_registry_config = m_credentials.header_for(base_images);
  if (!m_options.tags.empty()) {
    m_repository = m_options.tags.front();
    m_push_auth = m_credentials.header_for({m_repository.name()});
  }
  return {};
}

// Every option must reach every host as asked: where a host's podman cannot
// carry one, nothing is built.
Result<void>
Runner::check_hosts_carry_options()
{
  for (const auto& result : m_outcome.platforms) {
    auto* host = result.state == Phase::queued ? session(result.host) : nullptr;
    if (host == nullptr) {
      continue;
    }
    if (std::string why = unsupported_on(m_options, result.platform, host->capabilities()); !why.empty()) {
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

// A wrong password should not cost a whole build: where this machine reaches
// the registry, the credentials were tried (the read of each tag) before
// anything is built. Anything but a refusal (unreachable from here) is left
// to the hosts, which may see the registry differently.
Result<void>
Runner::preflight_credentials()
{
  for (size_t i = 0; i < m_options.tags.size(); ++i) {
    const auto& read = m_tags_before[i];
    if (read || !m_credentials.lookup(m_options.tags[i].name())) {
      continue;
    }
    if (read.error().cls == ErrorClass::auth) {
      Error error = read.error();
      error.message = "before building: " + error.message;
      return util::Unexpected(std::move(error));
    }
    util::log::debug("credential check of {} skipped: {}", m_options.tags[i].to_string(), read.error().describe());
  }
  return {};
}

void
Runner::build_all()
{
  for (const auto& result : m_outcome.platforms) {
    m_list.finished.push_back(result.state != Phase::queued);
  }
  std::vector<std::thread> workers;
  for (auto& result : m_outcome.platforms) {
    if (result.state != Phase::queued) {
      continue;
    }
    workers.emplace_back([this, &result] { build_one(result); });
  }
  for (auto& worker : workers) {
    worker.join();
  }
}

void
Runner::build_one(PlatformResult& result)
{
  const auto start = std::chrono::steady_clock::now();
  const auto finish = [&](Phase state, std::optional<Error> error = std::nullopt) {
    result.state = state;
    result.duration = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
    if (error) {
      error->host = result.host;
      error->platform = result.platform.to_string();
      m_progress.phase(result.platform, result.host, state, error->message);
      result.error = std::move(error);
    } else {
      m_progress.phase(result.platform, result.host, state, result.digest.empty() ? result.image_id : result.digest);
    }
    add_finished_to_list(result);
  };
  hosts::Session* host = nullptr;
  Result<std::string> image = util::fail(ErrorClass::internal, "not built");
  for (;;) {
    host = session(result.host);
    if (host == nullptr) {
      finish(Phase::failed, Error(ErrorClass::internal, "no session for the planned host"));
      return;
    }
    libpod::LogTail tail;
    image = build_image(result, *host, tail);
    if (auto crash =
            image ? std::nullopt : libpod::classify_emulator_crash(image.error(), tail.lines(), emulated(result));
        crash && result.emulator_crash_retries < m_options.emulator_crash_retries && !util::interrupt::requested()) {
      // A flaky emulator, not the build: the same host again.
      ++result.emulator_crash_retries;
      m_progress.warning(fmt::format("{}: {} on host {}; building it again ({}/{})", result.platform.to_string(),
                                     crash->reason, result.host, result.emulator_crash_retries,
                                     m_options.emulator_crash_retries));
      continue;
    }
    const bool host_died = !image && image.error().connection_lost();
    if (host_died || (!image && image.error().cls == ErrorClass::interrupted)) {
      const std::lock_guard lock(m_failover_mutex);
      m_last_abandoned = std::chrono::steady_clock::now();
    }
    if (!host_died || util::interrupt::requested()) {
      break;
    }
    auto next = failover(result, image.error());
    if (!next) {
      break;
    }
    m_progress.warning(fmt::format("{}: host {} failed ({}); building it on {} ({}) instead",
                                   result.platform.to_string(), result.host, image.error().message, next->host,
                                   next->reason()));
    result.failed_over.push_back(result.host);
    result.host = next->host;
    result.reason = next->reason();
    if (!m_options.tags.empty() && !m_options.no_push) {
      result.pushed_to = push_destination(result, *session(result.host));
    }
  }
  if (!image) {
    finish(Phase::failed, std::move(image).error());
    return;
  }
  result.image_id = *image;
  if (auto ok = check_platform(result, *host); !ok) {
    finish(Phase::failed, std::move(ok).error());
    return;
  }
  if (util::interrupt::requested()) {
    finish(Phase::failed, Error(ErrorClass::interrupted, "interrupted before the push"));
    return;
  }
  if (!m_options.no_push) {
    auto pushed = with_retries(fmt::format("pushing {} from {}", result.platform.to_string(), result.host),
                               result.retries, [&] { return push(result, *host); });
    if (!pushed) {
      finish(Phase::failed, std::move(pushed).error());
      return;
    }
    if (m_options.cleanup) {
      // In the registry now: its name is removed from its host at once, while
      // the others build and the list is pushed, rather than at the end.
      const std::lock_guard lock(m_failover_mutex);
      m_removals.push_back(
          {result.host, result.image_name, std::async(std::launch::async, [host, name = result.image_name] {
             const util::deadline::Scope bounded(std::chrono::steady_clock::now() + k_cleanup_budget);
             return host->client().remove_image(name);
           })});
    }
  }
  finish(Phase::done);
}

std::optional<Assignment>
Runner::failover(const PlatformResult& result, const Error& host_error)
{
  const std::lock_guard lock(m_failover_mutex);
  m_dead_hosts.insert(result.host);
  std::vector<HostCapacity> alive = m_capacities;
  for (auto& capacity : alive) {
    if (m_dead_hosts.contains(capacity.name) || session(capacity.name) == nullptr) {
      capacity.reachable = false;
      capacity.unreachable_reason = capacity.name == result.host ? host_error.message : "failed during this run";
    }
  }
  Plan plan = plan_platforms({result.platform}, alive, m_options.emulation);
  if (plan.assignments.empty()) {
    return std::nullopt;
  }
  return plan.assignments.front();
}

Result<void>
Runner::with_retries(const std::string& what, int& retries, const std::function<Result<void>()>& attempt)
{
  return util::with_retries(m_options.retry, what, attempt, [&](const int retry, const std::string& message) {
    retries = retry;
    m_progress.warning(message);
  });
}

// Whether `result`'s host builds its platform under emulation, as far as is
// known: a host that declares its platforms is not asked (and may well
// emulate them); only a crash line of qemu's own then tells.
bool
Runner::emulated(const PlatformResult& result) const
{
  for (const auto& capacity : m_capacities) {
    if (capacity.name == result.host) {
      return result.reason.starts_with("emulated") || capacity.declared ||
             std::find(capacity.serves.begin(), capacity.serves.end(), result.platform) == capacity.serves.end();
    }
  }
  return true;
}

Result<std::string>
Runner::build_image(PlatformResult& result, hosts::Session& host, libpod::LogTail& tail)
{
  const context::ContextPlan& plan = context_for(result.platform);
  libpod::BuildRequest request = build_request(m_options, result.platform, host.capabilities());
  // Named for this run: what cleanup removes, by that name only.
  result.image_name = owned_name("build", &result.platform);
  own(result.host, result.image_name);
  request.tags = {result.image_name};
  request.containerfile = plan.containerfile;
  request.excludes = plan.excludes;
  request.registry_config = m_registry_config;
  if (!m_secret_specs.empty()) {
    request.settings.push_back({libpod::BuildOption::secret, m_secret_specs});
  }
  if (auto ok = build_local_contexts(result, host, request); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  m_progress.phase(result.platform, result.host, Phase::upload, fmt::format("{} bytes", plan.file_bytes));
  return send_build(result, host, request, plan, &tail);
}

Result<std::string>
Runner::send_build(PlatformResult& result, hosts::Session& host, const libpod::BuildRequest& request,
                   const context::ContextPlan& plan, libpod::LogTail* tail)
{
  bool building = false;
  auto image = host.client().build(request, context::tar_body(plan), [&](const libpod::BuildEvent& event) {
    if (!building) {
      building = true;
      m_progress.phase(result.platform, result.host, Phase::build, "");
    }
    if (event.kind == libpod::BuildEvent::Kind::step) {
      m_progress.phase(result.platform, result.host, Phase::build, fmt::format("step {}/{}", event.step, event.steps));
    }
    if (tail != nullptr) {
      tail->add(event.text);
    }
    if (auto line = shown_build_line(event.text)) {
      m_progress.log(result.platform, result.host, *line);
    }
  });
  if (!image && image.error().connection_lost()) {
    Error error = std::move(image).error();
    error.message += building ? " during the build" : " during the context upload";
    return util::Unexpected(std::move(error));
  }
  return image;
}

// Each --build-context NAME=DIRECTORY becomes an image on the host, built from
// that directory alone ("FROM scratch", "COPY . /"), for the same platform, and
// named for this run: the request then names it as an image context.
Result<void>
Runner::build_local_contexts(PlatformResult& result, hosts::Session& host, libpod::BuildRequest& request)
{
  if (m_options.local_contexts.empty()) {
    return {};
  }
  std::vector<std::string> values;
  auto given = std::find_if(request.settings.begin(), request.settings.end(), [](const libpod::BuildSetting& s) {
    return s.option == libpod::BuildOption::build_context;
  });
  if (given != request.settings.end()) {
    values = given->values;
    request.settings.erase(given);
  }
  for (size_t i = 0; i < m_options.local_contexts.size(); ++i) {
    const auto& local = m_options.local_contexts[i];
    const context::ContextPlan& plan = m_local_context_plans.at(i);
    const std::string image = owned_name(fmt::format("context-{}", i), &result.platform);
    libpod::BuildRequest helper;
    helper.platform = request.platform;
    helper.platform_text = request.platform_text;
    helper.containerfile = plan.containerfile;
    helper.excludes = plan.excludes;
    helper.tags = {image};
    helper.layers = false;
    helper.output_format = request.output_format;
    helper.idle_timeout = request.idle_timeout;
    own(result.host, image);
    m_progress.phase(result.platform, result.host, Phase::upload,
                     fmt::format("build context {} ({} bytes)", local.name, plan.file_bytes));
    PlatformResult scratch = result;
    auto built = send_build(scratch, host, helper, plan);
    if (!built) {
      Error error = std::move(built).error();
      error.message = fmt::format("build context {} ({}): {}", local.name, local.directory.string(), error.message);
      return util::Unexpected(std::move(error));
    }
    values.push_back(fmt::format("{}=image:{}", local.name, image));
  }
  request.settings.push_back({libpod::BuildOption::build_context, std::move(values)});
  return {};
}

namespace {

// podman 4 (seen on 4.3.1) fails to inspect an image without layers while a
// manifest list is in its storage: a nil dereference, or the list taken for it.
bool
layerless_inspect_bug(const Error& error, const libpod::Version& version)
{
  return version < libpod::Version{5, 0, 0} && (error.message.find("nil pointer dereference") != std::string::npos ||
                                                error.message.find("choosing image instance") != std::string::npos);
}

} // namespace

Result<void>
Runner::check_platform(PlatformResult& result, hosts::Session& host)
{
  m_progress.phase(result.platform, result.host, Phase::verify, "platform");
  auto info = host.client().inspect_image(result.image_id);
  if (!info && layerless_inspect_bug(info.error(), host.capabilities().version)) {
    // Only an image without layers meets this podman 4 bug, and such an image has
    // nothing from a base image: its platform is the one its build was asked for.
    m_progress.info(fmt::format("{}: podman {} on {} cannot inspect an image without layers while it holds a "
                                "manifest list (a podman bug); its platform is the one asked for",
                                result.platform.to_string(), host.capabilities().version.to_string(), result.host));
    return {};
  }
  if (!info) {
    return util::Unexpected(std::move(info).error());
  }
  // podman does not report the variant (docs/api-experiments.md): compare it
  // only when the image states one; the list entry carries the planned one.
  const oci::Platform built = oci::Platform::normalized(info->os, info->architecture, info->variant);
  const bool same = built.os == result.platform.os && built.architecture == result.platform.architecture &&
                    (info->variant.empty() || built.variant == result.platform.variant);
  if (!same) {
    return util::Unexpected(Error(
        ErrorClass::api,
        fmt::format(
            "the image built for {} is {}/{}{} (its config's os/architecture): it would be mislabelled in the list",
            result.platform.to_string(), info->os, info->architecture,
            info->variant.empty() ? "" : "/" + info->variant),
        "check that the FROM image offers this platform, and the Containerfile's --platform flags"));
  }
  return {};
}

std::string
Runner::push_destination(const PlatformResult& result, hosts::Session& host) const
{
  // By digest where the host reports it (podman ≥ 4.9); else the blog's
  // per-arch tag, whose digest the compat route reports.
  const oci::ImageRef& repository = m_options.tags.front();
  return host.capabilities().push_digest
             ? repository.name() + "@@unknown-digest@@"
             : repository.with_tag(arch_tag(m_options.arch_tag_format, repository.tag, result.platform)).to_string();
}

Result<void>
Runner::push(PlatformResult& result, hosts::Session& host)
{
  m_progress.phase(result.platform, result.host, Phase::push, m_repository.name());
  libpod::PushRequest request;
  request.image = result.image_id;
  request.destination = push_destination(result, host);
  request.auth_header = m_push_auth;
  request.tls_verify = m_options.tls_verify;
  request.format = m_options.format;
  auto digest = host.client().push_image(
      request, [&](std::string_view line) { m_progress.log(result.platform, result.host, line); });
  if (!digest) {
    Error error = std::move(digest).error();
    if (error.connection_lost()) {
      error.message += " during the push";
    }
    return util::Unexpected(std::move(error));
  }
  result.digest = *digest;
  result.pushed_to =
      host.capabilities().push_digest ? m_repository.with_digest(*digest).to_string() : request.destination;
  return {};
}

} // namespace detail

BuildOutcome
run_build(const BuildOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
          const auth::CredentialStore& credentials, Progress& progress)
{
  return detail::Runner(options, hosts, connect, credentials, progress).run();
}

} // namespace pma::job
