// publish (podman-multiarch-publish(1)): the fragments merged per target
// (fragment.cpp), every image checked in the registry, the publishing rules
// (rules.cpp, tags.cpp) over every target before any list moves, then each
// list assembled, pushed and verified by the build's parts (list.cpp).
#include <pma/job/publish.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <future>
#include <memory>

#include "fleet.hpp"
#include "fragments.hpp"
#include "inputs.hpp"
#include "list.hpp"
#include "names.hpp"
#include "rules.hpp"
#include "run_state.hpp"
#include "tags.hpp"

namespace pma::job {

namespace detail {

namespace {

using util::Error;
using util::ErrorClass;
using util::ExitStatus;
using util::Result;

// One list: a build job's parts over a target whose platforms are built.
struct TargetJob {
  TargetJob(MergedTarget target, const auth::CredentialStore& credentials, Environment& env, std::string run_id,
            Fleet& fleet)
    : merged(std::move(target))
    , run{merged.options, credentials, env, std::move(run_id), merged.name, name_part_of(merged.name)}
    , names(run.id) // its own list name on the coordinator
    , tags(run)
    , list(run, fleet, names, tags, outcome)
  {
    outcome.platforms = merged.platforms;
    inputs.repository = merged.repository;
    inputs.push_auth = credentials.header_for({merged.repository.name()});
  }

  MergedTarget merged;
  BuildOutcome outcome;
  Run run;
  Names names;
  Tags tags;
  ListAssembler list;
  Inputs inputs;
  PublishDecision decision;
};

// Whether the image's config (`actual`) is the platform its fragment claims.
// The variant counts only where the config states one, as in the build's check.
bool
same_platform(const oci::Platform& claimed, const oci::Platform& actual)
{
  return claimed.os == actual.os && claimed.architecture == actual.architecture &&
         (actual.variant.empty() || actual.variant == claimed.variant);
}

class Publisher {
public:
  Publisher(const PublishOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
            const auth::CredentialStore& credentials, Environment& env)
    : m_options(options)
    , m_hosts(hosts)
    , m_connect(connect)
    , m_credentials(credentials)
    , m_env(env)
  {
  }

  PublishOutcome run();

private:
  PublishOutcome fail(Error error, std::optional<ExitStatus> status = std::nullopt);
  void check_images(TargetJob& target);
  Result<void> check_rules(TargetJob& target, hosts::Session* coordinator);
  void publish(TargetJob& target);
  void cleanup();
  std::string
  named(const TargetJob& target, const std::string& message) const
  {
    return m_targets.size() == 1 ? message : fmt::format("{}: {}", target.merged.name, message);
  }

  const PublishOptions& m_options;
  const std::vector<config::Host>& m_hosts;
  const hosts::ConnectOptions& m_connect;
  const auth::CredentialStore& m_credentials;
  Environment& m_env;
  Fleet m_fleet;
  std::vector<std::unique_ptr<TargetJob>> m_targets;
  PublishOutcome m_outcome;
};

PublishOutcome
Publisher::run()
{
  auto merged = merge_fragments(m_options);
  if (!merged) {
    return fail(std::move(merged).error());
  }
  const std::string run_id = new_run_id();
  for (auto& target : *merged) {
    // Each list gets a name of its own on the coordinator.
    const size_t n = m_targets.size();
    m_targets.push_back(std::make_unique<TargetJob>(std::move(target), m_credentials, m_env,
                                                    n == 0 ? run_id : fmt::format("{}-{}", run_id, n), m_fleet));
    const auto& added = m_targets.back()->merged;
    m_env.progress.info(fmt::format("{}: {} platform{} from {}", added.name, added.platforms.size(),
                                    added.platforms.size() == 1 ? "" : "s", util::join(added.fragments, ", ")));
  }
  // The tags and images are read from here while the hosts are dialled (one
  // thread: the registry reader is not shared between threads).
  auto reads = std::async(std::launch::async, [this] {
    for (auto& target : m_targets) {
      target->tags.read_before();
      check_images(*target);
    }
  });
  hosts::ConnectOptions connect = m_connect;
  connect.host_info = false; // a coordinator is needed, not what hosts emulate
  m_fleet.connect(m_hosts, connect, m_env.connector, m_env.progress);
  reads.wait();
  hosts::Session* coordinator = m_targets.front()->list.coordinator();
  if (coordinator == nullptr) {
    return fail(m_targets.front()->list.no_coordinator_error());
  }
  m_outcome.coordinator = coordinator->host().name;
  // All or nothing over every target: each rule before any list moves.
  for (auto& target : m_targets) {
    if (auto ok = check_rules(*target, coordinator); !ok) {
      const ExitStatus status =
          target->decision.refusal ? target->decision.refusal->status : util::exit_status_for(ok.error().cls);
      return fail(std::move(ok).error(), status);
    }
  }
  if (util::interrupt::requested()) {
    return fail(Error(ErrorClass::interrupted, "interrupted: nothing published"));
  }
  if (m_env.signer != nullptr) {
    if (auto ok = m_env.signer->prepare(); !ok) {
      return fail(std::move(ok).error());
    }
  }
  std::vector<std::string> published;
  for (auto& target : m_targets) {
    BuildOutcome& outcome = target->outcome;
    if (m_outcome.error) {
      // A list failed: the next ones are not pushed, their tags keep what they serve.
      for (const auto& tag : target->merged.options.tags) {
        outcome.tags_not_pushed.push_back(tag.to_string());
      }
      outcome.exit_status = ExitStatus::failure;
      continue;
    }
    publish(*target);
    if (!outcome.tags.empty()) {
      published.push_back(target->merged.name);
    }
    if (outcome.exit_status == ExitStatus::partial) {
      m_outcome.exit_status = ExitStatus::partial;
    } else if (outcome.exit_status != ExitStatus::success) {
      m_outcome.exit_status = published.empty() ? outcome.exit_status : ExitStatus::failure;
      m_outcome.error = outcome.error;
    }
  }
  if (m_outcome.error && m_targets.size() > 1) {
    m_outcome.error->message +=
        fmt::format(" (lists published: {})", published.empty() ? "none" : util::join(published, ", "));
  }
  cleanup();
  for (auto& target : m_targets) {
    m_outcome.targets.push_back({target->merged.name, target->merged.fragments, std::move(target->outcome)});
  }
  return std::move(m_outcome);
}

PublishOutcome
Publisher::fail(Error error, const std::optional<ExitStatus> status)
{
  m_outcome.exit_status = status.value_or(util::exit_status_for(error.cls));
  m_outcome.error = std::move(error);
  cleanup();
  for (auto& target : m_targets) {
    m_outcome.targets.push_back({target->merged.name, target->merged.fragments, std::move(target->outcome)});
  }
  return std::move(m_outcome);
}

// Every image the fragments name must be in the registry at its digest, with
// the platform its fragment says: a list of it would be a lie otherwise.
void
Publisher::check_images(TargetJob& target)
{
  auto& platforms = target.outcome.platforms;
  for (size_t i = 0; i < platforms.size(); ++i) {
    auto& result = platforms[i];
    if (result.state != Phase::queued) {
      continue;
    }
    const std::string& origin = target.merged.origins[i];
    const oci::ImageRef image = target.merged.repository.with_digest(result.digest);
    m_env.progress.phase(target.run.target, result.platform, result.host, Phase::verify, "in the registry");
    auto found = m_env.registry.image_platform(image);
    std::optional<Error> error;
    if (!found) {
      error = std::move(found).error();
      error->message = fmt::format("cannot check {} from {}: {}", image.to_string(), origin, error->message);
    } else if (!*found) {
      error = Error(ErrorClass::api, fmt::format("{} from {} is not in the registry", image.to_string(), origin),
                    "build it again with build --fragment");
    } else if (!same_platform(result.platform, **found)) {
      error = Error(ErrorClass::api,
                    fmt::format("{} says {}, but the config of {} says {}: it would be mislabelled in the list", origin,
                                result.platform.to_string(), image.to_string(), (*found)->to_string()),
                    "check that fragment: its image is not what it claims");
    }
    if (error) {
      error->platform = result.platform.to_string();
      m_env.progress.phase(target.run.target, result.platform, result.host, Phase::failed, error->message);
      result.state = Phase::failed;
      result.error = std::move(error);
    } else {
      m_env.progress.phase(target.run.target, result.platform, result.host, Phase::done, result.digest);
      result.state = Phase::done;
    }
  }
}

Result<void>
Publisher::check_rules(TargetJob& target, hosts::Session* coordinator)
{
  PMA_TRY(target.tags.check_credentials());
  if (auto ok = target.tags.check_existing(target.merged.options.platforms, coordinator); !ok) {
    Error error = std::move(ok).error();
    error.message = named(target, error.message);
    return util::Unexpected(std::move(error));
  }
  target.decision = decide_publish(target.merged.options, target.outcome.platforms, target.tags.existing());
  if (target.decision.refusal) {
    Error error = target.decision.refusal->error;
    error.message = named(target, error.message);
    return util::Unexpected(std::move(error));
  }
  return {};
}

// The list of the decided images pushed to every tag and verified, as the
// lists of build and bake are (push_and_verify).
void
Publisher::publish(TargetJob& target)
{
  if (!target.decision.failures.empty()) {
    m_env.progress.warning(named(target, "partial publish: " + target.decision.failures));
  } else if (target.tags.served_list_of(target.decision.images)) {
    (void)keep_served_list(target.run, target.tags, target.outcome, named(target, ""));
    return;
  }
  target.list.start(target.inputs);
  (void)push_and_verify(target.run, target.list, target.tags, target.outcome, target.decision.images,
                        target.decision.failures, named(target, ""));
}

// Only the lists the run made; the images are the fragments' and stay.
void
Publisher::cleanup()
{
  if (!m_options.cleanup) {
    return;
  }
  for (auto& target : m_targets) {
    for (auto& [host, names] : target->names.clean(m_fleet, {}, m_env.progress, m_env.timings)) {
      m_outcome.left_behind.emplace_back(host, std::move(names));
    }
  }
}

} // namespace

} // namespace detail

PublishOutcome
run_publish(const PublishOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
            const auth::CredentialStore& credentials, Environment& environment)
{
  return detail::Publisher(options, hosts, connect, credentials, environment).run();
}

PublishOutcome
run_publish(const PublishOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
            const auth::CredentialStore& credentials, Progress& progress, ReleaseSigner* signer)
{
  RegistryReader registry(credentials, options.tls_verify.value_or(true));
  Environment environment{hosts::network_connector(), registry, progress, {}, signer};
  return run_publish(options, hosts, connect, credentials, environment);
}

} // namespace pma::job
