// Fragments (podman-multiarch-build(1), --fragment): recorded by a build run
// instead of its list.
#include <fmt/format.h>

#include "fragments.hpp"
#include "rules.hpp"

namespace pma::job {

std::string
fragment_target_name(const oci::ImageRef& first_tag)
{
  return first_tag.repository;
}

namespace detail {

using util::Error;
using util::ErrorClass;
using util::Result;

void
record_fragment(const Run& run, const Fleet& fleet, BuildOutcome& outcome)
{
  const BuildOptions& options = run.options;
  // No tag moves: the shrink rule has nothing to compare (`publish` checks it).
  auto decision = decide_publish(options, outcome.platforms, {});
  if (decision.refusal) {
    Error error = std::move(decision.refusal->error);
    constexpr std::string_view k_prefix = "nothing published: ";
    if (error.message.starts_with(k_prefix)) {
      error.message = "no fragment written: " + error.message.substr(k_prefix.size());
    }
    if (!options.allow_partial) {
      error.hint = "--allow-partial writes a fragment of the platforms that built";
    }
    outcome.exit_status = decision.refusal->status;
    outcome.error = std::move(error);
    return;
  }
  if (!decision.failures.empty()) {
    run.progress().warning("partial fragment: " + decision.failures);
  }
  const oci::ImageRef& repository = options.tags.front();
  FragmentTarget target;
  target.name = fragment_target_name(repository);
  target.tags = options.tags;
  for (const auto& result : outcome.platforms) {
    target.platforms.push_back(result.platform); // asked, built or not: publish sees what is missing
  }
  target.format = options.format;
  target.index_annotations = options.index_annotations;
  target.descriptor_annotations = options.descriptor_annotations;
  for (const auto* result : decision.images) {
    FragmentImage image;
    image.platform = result->platform;
    image.digest = result->digest;
    image.reference = repository.with_digest(result->digest);
    // podman < 4.9 pushed it to a staging tag; the push reported its digest.
    if (result->pushed_to != image.reference.to_string()) {
      image.staging_tag = result->pushed_to;
    }
    image.host = result->host;
    if (const auto* session = fleet.session(result->host)) {
      image.podman_version = session->capabilities().version.to_string();
    }
    image.duration = result->duration;
    target.images.push_back(std::move(image));
  }
  run.progress().info(fmt::format("fragment: {} image{} pushed by digest for {}; no list published, no tag moved",
                                  target.images.size(), target.images.size() == 1 ? "" : "s", target.name));
  Fragment fragment;
  fragment.run_id = run.id;
  fragment.targets.push_back(std::move(target));
  outcome.fragment = std::move(fragment);
  outcome.exit_status = decision.failures.empty() ? util::ExitStatus::success : util::ExitStatus::partial;
}

} // namespace detail

} // namespace pma::job
