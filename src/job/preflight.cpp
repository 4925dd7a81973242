// The checks before anything is built (podman-multiarch-build(1), steps 2-3):
// platforms without a host, the list's coordinator, the contexts, the
// credentials, the fingerprints of incremental builds (incremental.cpp),
// options the hosts cannot carry, shrink protection.
#include <pma/job/request.hpp>
#include <pma/libpod/build_settings.hpp>
#include <pma/util/fs.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "job.hpp"

namespace pma::job::detail {

using util::Error;
using util::ErrorClass;
using util::ExitStatus;
using util::Result;

namespace {

std::string
count_of(const size_t n, const std::string_view what)
{
  return fmt::format("{} {}{}", n, what, n == 1 ? "" : "s");
}

} // namespace

// Everything that can refuse the run before anything is built: platforms
// without a host, the list's coordinator, options the hosts cannot carry,
// the contexts, the credentials and shrink protection.
Result<void>
Job::check_before_building()
{
  for (const auto& target : m_targets) {
    const auto& platforms = target->outcome.platforms;
    const auto unassigned = std::count_if(platforms.begin(), platforms.end(),
                                          [](const PlatformResult& r) { return r.state == Phase::failed; });
    if (unassigned > 0 && !m_options.allow_partial && target->spec.required) {
      m_refused_status = ExitStatus::nothing_published;
      return util::Unexpected(Error(ErrorClass::api,
                                    fmt::format("nothing published: {}{} of {} have no host", target->about(),
                                                unassigned, count_of(platforms.size(), "platform")),
                                    "--allow-partial publishes the others"));
    }
  }
  for (const auto& target : m_targets) {
    if (target->run.lists() && target->list.coordinator() == nullptr) {
      return util::Unexpected(target->list.no_coordinator_error()); // before anything is built
    }
  }
  PMA_TRY(prepare_all_inputs());
  if (!m_options.no_push) {
    for (auto& target : m_targets) {
      PMA_TRY(target->tags.check_credentials());
    }
    PMA_TRY(fingerprint_all());
  }
  PMA_TRY(check_hosts_carry_options());
  if (!m_options.no_push) {
    for (auto& target : m_targets) {
      std::vector<oci::Platform> planned;
      for (const auto& result : target->outcome.platforms) {
        planned.push_back(result.platform);
      }
      PMA_TRY(target->tags.check_existing(planned, target->list.coordinator()));
    }
  }
  return {};
}

// The context plans and headers of every target; the tags read meanwhile.
Result<void>
Job::prepare_all_inputs()
{
  for (auto& target : m_targets) {
    std::vector<std::string> pulled;
    for (const size_t d : target->depends_on) {
      if (!m_targets[d]->options.tags.empty()) {
        pulled.push_back(m_targets[d]->options.tags.front().name());
      }
    }
    PMA_TRY_ASSIGN(target->inputs, prepare_inputs(target->run, target->outcome.platforms, pulled));
  }
  if (m_tag_reads.valid()) {
    m_tag_reads.wait();
  }
  return {};
}

// Every option must reach every host as asked: where a host's podman cannot
// carry one, nothing is built.
Result<void>
Job::check_hosts_carry_options() const
{
  for (const auto& target : m_targets) {
    for (size_t i = 0; i < target->outcome.platforms.size(); ++i) {
      const PlatformResult& result = target->outcome.platforms[i];
      auto* host = result.state == Phase::queued ? m_fleet.session(result.host) : nullptr;
      if (host == nullptr) {
        continue;
      }
      std::string why = unsupported_on(target->options, result.platform, host->capabilities());
      if (why.empty() && !target->spec.target_contexts.empty()) {
        why = libpod::unsupported({{libpod::BuildOption::build_context, {"target"}}}, host->capabilities().version);
      }
      if (why.empty() && i < target->pins.size() && !target->pins[i].empty()) {
        why =
            libpod::unsupported({{libpod::BuildOption::build_context, target->pins[i]}}, host->capabilities().version);
        if (!why.empty()) {
          why.insert(0, "pinning its base images to the digests this run resolved (incremental builds): ");
        }
      }
      if (!why.empty()) {
        return util::Unexpected(Error(
            ErrorClass::usage,
            fmt::format("{} on host {} ({}): nothing was built", why, result.host, target->job_name(result.platform)),
            why.starts_with("--source-date-epoch") && !util::env("SOURCE_DATE_EPOCH").empty()
                ? "$SOURCE_DATE_EPOCH in the environment counts as --source-date-epoch, "
                  "as it does for podman 5.6; unset it, or build on newer hosts"
                : "build that platform on a newer host (--host), or leave the option out"));
      }
    }
  }
  return {};
}

} // namespace pma::job::detail
