#pragma once

// Private to src/job: the publishing rules (podman-multiarch-build(1),
// "Publishing"), as pure functions of what the run built and what the tags
// served: all-or-nothing, --allow-partial and --require, shrink protection.
#include <pma/job/run.hpp>
#include <pma/oci/index.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace pma::job::detail {

// What each tag served before the run: (tag, its index; nullopt: no such tag).
using ExistingTags = std::vector<std::pair<std::string, std::optional<oci::Index>>>;

// Platforms `existing` serves that `platforms` lacks (entries without a
// platform, such as attestations, are none).
std::vector<oci::Platform> dropped_platforms(const oci::Index& existing, const std::vector<oci::Platform>& platforms);

// Why the run publishes nothing, and its exit status.
struct Refusal {
  util::ExitStatus status;
  util::Error error;
};

struct PublishDecision {
  std::vector<const PlatformResult*> images; // the platforms that built, in plan order
  std::string failures;                      // "1 of 4 platforms failed: …"; empty when none did
  std::optional<Refusal> refusal;            // set: nothing is published
};

// Whether the list may go out with the platforms that built.
PublishDecision decide_publish(const BuildOptions& options, const std::vector<PlatformResult>& platforms,
                               const ExistingTags& existing);

} // namespace pma::job::detail
