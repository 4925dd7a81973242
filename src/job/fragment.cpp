// Fragments (podman-multiarch-build(1), --fragment; podman-multiarch-publish(1)):
// recorded by a build run instead of its list, merged per target by publish.
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <set>

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
    if (result->inputs && result->inputs->unpinned.empty()) {
      image.inputs = fingerprint_annotations(*result->inputs);
    }
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

std::string
origin_of(const FragmentSource& source)
{
  std::vector<std::string> about;
  if (!source.fragment.runner.hostname.empty()) {
    about.push_back("runner " + source.fragment.runner.hostname);
  }
  if (!source.fragment.run_id.empty()) {
    about.push_back("run " + source.fragment.run_id);
  }
  return about.empty() ? source.source : fmt::format("{} ({})", source.source, util::join(about, ", "));
}

namespace {

// One fragment's part of a target.
struct Part {
  const FragmentSource* source;
  const FragmentTarget* target;
};

std::vector<std::string>
sorted_strings(const std::vector<oci::ImageRef>& refs)
{
  std::vector<std::string> out;
  out.reserve(refs.size());
  for (const auto& ref : refs) {
    out.push_back(ref.to_string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string>
sorted_strings(std::vector<std::string> values)
{
  std::sort(values.begin(), values.end());
  return values;
}

// Every part must say the same of `what` (compared as `key` makes it).
template <typename Key>
Result<void>
agree(const std::string& name, const std::vector<Part>& parts, const std::string& what, const Key& key,
      const std::string& hint)
{
  const auto first = key(*parts.front().target);
  for (const auto& part : parts) {
    if (const auto other = key(*part.target); other != first) {
      const auto text = [](const std::vector<std::string>& values) {
        return values.empty() ? std::string("none") : util::join(values, ", ");
      };
      return util::Unexpected(
          Error(ErrorClass::usage,
                fmt::format("the fragments of {} disagree on its {}: {} has {}; {} has {}", name, what,
                            origin_of(*parts.front().source), text(first), origin_of(*part.source), text(other)),
                hint));
    }
  }
  return {};
}

Result<MergedTarget>
merge_target(const PublishOptions& options, const std::string& name, const std::vector<Part>& parts)
{
  MergedTarget merged;
  merged.name = name;
  BuildOptions& out = merged.options;
  if (options.tags.empty()) {
    PMA_TRY(agree(
        name, parts, "tags", [](const FragmentTarget& t) { return sorted_strings(t.tags); },
        "build every fragment with the same -t, or give publish the tags with -t"));
    out.tags = parts.front().target->tags;
  } else {
    out.tags = options.tags;
  }
  if (options.format.empty()) {
    PMA_TRY(agree(
        name, parts, "format", [](const FragmentTarget& t) { return std::vector<std::string>{t.format}; },
        "--format chooses the list's"));
    out.format = parts.front().target->format;
  } else {
    out.format = options.format;
  }
  PMA_TRY(agree(
      name, parts, "index annotations", [](const FragmentTarget& t) { return sorted_strings(t.index_annotations); },
      "build every fragment with the same --annotation index:…"));
  PMA_TRY(agree(
      name, parts, "manifest-descriptor annotations",
      [](const FragmentTarget& t) { return sorted_strings(t.descriptor_annotations); },
      "build every fragment with the same --annotation manifest-descriptor:…"));
  out.index_annotations = parts.front().target->index_annotations;
  out.descriptor_annotations = parts.front().target->descriptor_annotations;

  // The platforms asked: --platform, else every fragment's, in their order.
  std::vector<oci::Platform> asked = options.platforms;
  if (asked.empty()) {
    for (const auto& part : parts) {
      for (const auto& platform : part.target->platforms) {
        if (std::find(asked.begin(), asked.end(), platform) == asked.end()) {
          asked.push_back(platform);
        }
      }
    }
  }
  for (const auto& required : options.required) {
    if (std::find(asked.begin(), asked.end(), required) == asked.end()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("--require names {}, which {} does not have", required.to_string(),
                                    options.platforms.empty() ? "no fragment of " + name : "--platform"));
    }
  }
  // Each platform from exactly one fragment.
  std::vector<std::pair<const Part*, const FragmentImage*>> found(asked.size(), {nullptr, nullptr});
  for (const auto& part : parts) {
    for (const auto& image : part.target->images) {
      const auto at = std::find(asked.begin(), asked.end(), image.platform);
      if (at == asked.end()) {
        return util::Unexpected(Error(ErrorClass::usage,
                                      fmt::format("{} has an image of {} for {}, which --platform does not name",
                                                  origin_of(*part.source), name, image.platform.to_string()),
                                      "name it in --platform, or leave that fragment out"));
      }
      auto& slot = found[static_cast<size_t>(at - asked.begin())];
      if (slot.first != nullptr) {
        return util::Unexpected(Error(ErrorClass::usage,
                                      fmt::format("{} of {} is in two fragments: {} has {}, {} has {}",
                                                  image.platform.to_string(), name, origin_of(*slot.first->source),
                                                  slot.second->digest, origin_of(*part.source), image.digest),
                                      "each platform must come from one runner: leave one of them out"));
      }
      if (merged.repository.repository.empty()) {
        merged.repository = image.reference.with_tag("");
      } else if (image.reference.name() != merged.repository.name()) {
        return util::Unexpected(
            Error(ErrorClass::usage,
                  fmt::format("the images of {} are in two repositories: {} and {} ({})", name,
                              merged.repository.name(), image.reference.name(), origin_of(*part.source)),
                  "a list refers to images of one repository: build every fragment with the same first -t"));
      }
      slot = {&part, &image};
    }
  }
  for (size_t i = 0; i < asked.size(); ++i) {
    PlatformResult result;
    result.platform = asked[i];
    const auto [part, image] = found[i];
    if (image == nullptr) {
      result.state = Phase::failed;
      result.error = Error(ErrorClass::api, "no fragment has an image for it");
      result.error->platform = asked[i].to_string();
      merged.origins.emplace_back();
    } else {
      result.host = image->host;
      result.reason = "fragment";
      result.digest = image->digest;
      result.pushed_to = image->reference.to_string();
      result.inputs = fingerprint_from(image->inputs);
      result.duration = image->duration;
      merged.origins.push_back(origin_of(*part->source));
    }
    merged.platforms.push_back(std::move(result));
  }
  for (const auto& part : parts) {
    if (std::find(merged.fragments.begin(), merged.fragments.end(), part.source->source) == merged.fragments.end()) {
      merged.fragments.push_back(part.source->source);
    }
  }
  out.platforms = std::move(asked);
  out.allow_partial = options.allow_partial || !options.required.empty();
  out.required = options.required;
  out.allow_shrink = options.allow_shrink;
  out.tls_verify = options.tls_verify;
  out.manifest_host = options.manifest_host;
  out.retry = options.retry;
  out.cleanup = options.cleanup;
  return merged;
}

} // namespace

Result<std::vector<MergedTarget>>
merge_fragments(const PublishOptions& options)
{
  std::vector<std::pair<std::string, std::vector<Part>>> groups; // in the order the fragments name them
  for (const auto& source : options.fragments) {
    for (const auto& target : source.fragment.targets) {
      auto group = std::find_if(groups.begin(), groups.end(), [&](const auto& g) { return g.first == target.name; });
      if (group == groups.end()) {
        group = groups.insert(groups.end(), {target.name, {}});
      }
      group->second.push_back({&source, &target});
    }
  }
  if (groups.empty()) {
    return util::fail(ErrorClass::usage, "the fragments hold no target: nothing to publish");
  }
  if (!options.tags.empty() && groups.size() > 1) {
    std::vector<std::string> names;
    names.reserve(groups.size());
    for (const auto& group : groups) {
      names.push_back(group.first);
    }
    return util::Unexpected(Error(ErrorClass::usage,
                                  fmt::format("--tag names the tags of one list, and the fragments hold {}: {}",
                                              groups.size(), util::join(names, ", ")),
                                  "publish each target on its own, or leave --tag out"));
  }
  std::vector<MergedTarget> merged;
  merged.reserve(groups.size());
  for (const auto& [name, parts] : groups) {
    PMA_TRY_ASSIGN(auto target, merge_target(options, name, parts));
    merged.push_back(std::move(target));
  }
  return merged;
}

} // namespace detail

} // namespace pma::job
