// The publishing rules: what may go out after the builds.
#include "rules.hpp"

#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pma::job::detail {

using util::Error;
using util::ErrorClass;
using util::ExitStatus;

std::vector<oci::Platform>
dropped_platforms(const oci::Index& existing, const std::vector<oci::Platform>& platforms)
{
  std::vector<oci::Platform> dropped;
  for (const auto& entry : existing.manifests) {
    if (entry.platform.os.empty() || entry.platform.os == "unknown") {
      continue; // attestations and the like are not platforms
    }
    if (std::find(platforms.begin(), platforms.end(), entry.platform) == platforms.end() &&
        std::find(dropped.begin(), dropped.end(), entry.platform) == dropped.end()) {
      dropped.push_back(entry.platform);
    }
  }
  return dropped;
}

PublishDecision
decide_publish(const BuildOptions& options, const std::vector<PlatformResult>& platforms, const ExistingTags& existing)
{
  PublishDecision decision;
  std::vector<std::string> failures;
  for (const auto& result : platforms) {
    if (result.state == Phase::done) {
      decision.images.push_back(&result);
    } else {
      failures.push_back(result.error ? result.error->describe() : result.platform.to_string());
    }
  }
  if (failures.empty()) {
    return decision;
  }
  decision.failures =
      fmt::format("{} of {} platforms failed: {}", failures.size(), platforms.size(), util::join(failures, "; "));
  const auto refuse = [&](ExitStatus status, Error error) {
    decision.refusal = Refusal{status, std::move(error)};
    return decision;
  };
  if (!options.allow_partial || decision.images.empty()) {
    return refuse(ExitStatus::nothing_published,
                  Error(ErrorClass::api, "nothing published: " + decision.failures,
                        options.allow_partial ? "" : "--allow-partial publishes the platforms that built"));
  }
  for (const auto& required : options.required) {
    const bool present = std::any_of(decision.images.begin(), decision.images.end(),
                                     [&](const PlatformResult* r) { return r->platform == required; });
    if (!present) {
      return refuse(ExitStatus::nothing_published,
                    Error(ErrorClass::api, fmt::format("nothing published: required platform {} failed; {}",
                                                       required.to_string(), decision.failures)));
    }
  }
  if (!options.allow_shrink) {
    std::vector<oci::Platform> built;
    built.reserve(decision.images.size());
    for (const auto* result : decision.images) {
      built.push_back(result->platform);
    }
    for (const auto& [tag, index] : existing) {
      if (!index || !index->is_list) {
        continue;
      }
      if (const auto dropped = dropped_platforms(*index, built); !dropped.empty()) {
        return refuse(ExitStatus::usage, Error(ErrorClass::usage,
                                               fmt::format("nothing published: the partial list would drop {} from {}",
                                                           util::join(oci::to_strings(dropped), ", "), tag),
                                               "pass --allow-shrink to shrink it deliberately"));
      }
    }
  }
  return decision;
}

} // namespace pma::job::detail
