// What the tags serve, read before building, before each list push and after.
#include "tags.hpp"

#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pma::job::detail {

using util::Error;
using util::ErrorClass;
using util::Result;

Tags::Tags(const Run& run)
  : m_run(run)
{
}

void
Tags::read_before()
{
  for (const auto& tag : m_run.options.tags) {
    m_before.push_back(m_run.env.registry.read(tag));
  }
}

const registry::Manifest*
Tags::served_before(const size_t i) const
{
  if (i >= m_before.size() || !m_before[i] || !*m_before[i]) {
    return nullptr;
  }
  return &**m_before[i];
}

namespace {

const oci::IndexEntry*
entry_for(const oci::Index& list, const PlatformResult& image)
{
  for (const auto& entry : list.manifests) {
    if (entry.digest == image.digest && entry.platform == image.platform) { // parse_index normalises platforms
      return &entry;
    }
  }
  return nullptr;
}

bool
has_annotations(const std::map<std::string, std::string>& annotations, const std::vector<std::string>& wanted)
{
  return std::all_of(wanted.begin(), wanted.end(), [&](const std::string& item) {
    const size_t eq = item.find('=');
    const auto it = annotations.find(item.substr(0, eq));
    return it != annotations.end() && it->second == (eq == std::string::npos ? "" : item.substr(eq + 1));
  });
}

} // namespace

bool
Tags::served_list_of(const std::vector<const PlatformResult*>& images) const
{
  const BuildOptions& options = m_run.options;
  std::string digest;
  for (size_t i = 0; i < options.tags.size(); ++i) {
    const auto* served = served_before(i);
    if (served == nullptr || (!digest.empty() && served->digest != digest)) {
      return false;
    }
    digest = served->digest;
    auto list = oci::parse_index(served->bytes);
    if (!list || !list->is_list || list->manifests.size() != images.size() ||
        !has_annotations(list->annotations, options.index_annotations)) {
      return false;
    }
    for (const auto* image : images) {
      const auto* entry = entry_for(*list, *image);
      if (entry == nullptr || !has_annotations(entry->annotations, entry_annotations(options, *image))) {
        return false;
      }
    }
  }
  return !digest.empty();
}

// Where this machine reaches the registry, the credentials were tried (the
// read of each tag) before anything is built. Anything but a refusal
// (unreachable from here) is left to the hosts, which may see the registry
// differently.
Result<void>
Tags::check_credentials() const
{
  for (size_t i = 0; i < m_before.size(); ++i) {
    const auto& read = m_before[i];
    if (read || !m_run.credentials.has_credential(m_run.options.tags[i].name())) {
      continue;
    }
    if (read.error().cls == ErrorClass::auth) {
      Error error = read.error();
      error.message = "before building: " + error.message;
      return util::Unexpected(std::move(error));
    }
    util::log::debug("credential check of {} skipped: {}", m_run.options.tags[i].to_string(), read.error().describe());
  }
  return {};
}

Result<void>
Tags::check_existing(const std::vector<oci::Platform>& platforms, hosts::Session* coordinator)
{
  if (m_run.options.allow_shrink || m_run.options.fragment || coordinator == nullptr) {
    // Without a coordinator, publishing reports that no host can assemble the
    // list; a fragment moves no tag (`publish` checks when it does).
    return {};
  }
  for (size_t i = 0; i < m_run.options.tags.size(); ++i) {
    const auto& tag = m_run.options.tags[i];
    auto existing = read(tag, coordinator, nullptr, m_before[i]);
    if (!existing) {
      Error error = std::move(existing).error();
      error.hint = error.cls == ErrorClass::internal
                       ? "add a podman 4.6+ host, choose it with --manifest-host, or pass --allow-shrink"
                       : "pass --allow-shrink to publish without checking what the tag holds now";
      error.message = fmt::format("cannot check what {} serves now: {}", tag.to_string(), error.message);
      return util::Unexpected(std::move(error));
    }
    if (*existing && (*existing)->is_list) {
      if (const auto dropped = dropped_platforms(**existing, platforms); !dropped.empty()) {
        return util::Unexpected(
            Error(ErrorClass::usage,
                  fmt::format("{} serves {} now, which this run would drop", tag.to_string(),
                              util::join(oci::to_strings(dropped), ", ")),
                  "build those platforms too, or pass --allow-shrink to shrink the list deliberately"));
      }
    }
    m_existing.emplace_back(tag.to_string(), std::move(*existing));
  }
  return {};
}

// Another run may have published there since this one read the tag; a list
// that now has platforms this one lacks is not replaced. The registry API has
// no compare-and-swap for a tag, so a window remains: this read to the push,
// milliseconds rather than the length of the builds.
Result<void>
Tags::recheck(const size_t i, const std::vector<oci::Platform>& platforms, hosts::Session& coordinator)
{
  if (m_run.options.allow_shrink) {
    return {};
  }
  const auto& tag = m_run.options.tags[i];
  std::string digest;
  auto now = read(tag, &coordinator, &digest, m_run.env.registry.read(tag));
  if (!now) {
    Error error = std::move(now).error();
    error.message =
        fmt::format("cannot check what {} serves before pushing the list there: {}", tag.to_string(), error.message);
    error.hint = "pass --allow-shrink to publish without checking what the tag holds";
    return util::Unexpected(std::move(error));
  }
  const auto& before = m_before[i];
  if (before && *before && (*before)->digest == digest) {
    return {}; // unchanged since the run began
  }
  if (!*now || !(*now)->is_list) {
    return {};
  }
  const auto dropped = dropped_platforms(**now, platforms);
  if (dropped.empty()) {
    if (!digest.empty()) {
      m_run.progress().warning(fmt::format("{} changed while this run built (it serves {} now); replacing it keeps "
                                           "every platform it has",
                                           tag.to_string(), digest));
    }
    return {};
  }
  std::vector<oci::Platform> serves;
  for (const auto& entry : (*now)->manifests) {
    if (!entry.platform.os.empty() && entry.platform.os != "unknown") {
      serves.push_back(entry.platform);
    }
  }
  return util::Unexpected(Error(
      ErrorClass::usage,
      fmt::format("{} changed while this run built: it serves {} now{}, and this run's list would drop {}",
                  tag.to_string(), util::join(oci::to_strings(serves), ", "),
                  digest.empty() ? "" : fmt::format(" (index {})", digest), util::join(oci::to_strings(dropped), ", ")),
      "another run published there meanwhile: build those platforms too, or pass --allow-shrink"));
}

Result<std::optional<oci::Index>>
Tags::read(const oci::ImageRef& tag, hosts::Session* coordinator, std::string* digest, const Direct& direct) const
{
  if (direct && !*direct) {
    return std::optional<oci::Index>();
  }
  if (direct) {
    PMA_TRY_ASSIGN(auto index, oci::parse_index((*direct)->bytes));
    if (digest != nullptr) {
      *digest = (*direct)->digest;
    }
    return std::optional<oci::Index>(std::move(index));
  }
  if (direct.error().cls == ErrorClass::auth) {
    return util::Unexpected(direct.error());
  }
  if (coordinator == nullptr) {
    return util::fail(ErrorClass::internal,
                      fmt::format("{} is not reachable from here, and no host can read it", tag.registry));
  }
  util::log::debug("reading {} from here failed ({}); asking host {}", tag.to_string(), direct.error().describe(),
                   coordinator->host().name);
  const std::string auth_config = m_run.credentials.header_for({tag.name()});
  if (!auth_config.empty() && !coordinator->capabilities().manifest_inspect_auth) {
    return util::fail(ErrorClass::internal,
                      fmt::format("{} is not reachable from here, and podman {} on host {} cannot "
                                  "read authenticated registries (4.6 or newer can)",
                                  tag.registry, coordinator->capabilities().version.to_string(),
                                  coordinator->host().name));
  }
  return coordinator->client().manifest_inspect(tag.to_string(), auth_config, m_run.options.tls_verify);
}

Result<void>
Tags::verify(const std::vector<const PlatformResult*>& images, hosts::Session* coordinator,
             const std::string& index_digest)
{
  for (const auto& tag : m_run.options.tags) {
    std::string digest;
    PMA_TRY_ASSIGN(auto index, read(tag, coordinator, &digest, m_run.env.registry.read(tag)));
    if (!digest.empty() && digest != index_digest) {
      return util::fail(ErrorClass::api, fmt::format("verification: {} serves index {}, not the pushed {}",
                                                     tag.to_string(), digest, index_digest));
    }
    if (!index || !index->is_list) {
      return util::fail(ErrorClass::api,
                        fmt::format("verification: {} does not serve a list after the push", tag.to_string()));
    }
    const auto& manifests = index->manifests;
    for (const auto* image : images) {
      const bool found = std::any_of(manifests.begin(), manifests.end(), [&](const oci::IndexEntry& entry) {
        return entry.digest == image->digest && entry.platform == image->platform;
      });
      if (!found) {
        return util::fail(ErrorClass::api, fmt::format("verification: {} lacks {} at {}", tag.to_string(),
                                                       image->platform.to_string(), image->digest));
      }
    }
    if (manifests.size() != images.size()) {
      return util::fail(ErrorClass::api, fmt::format("verification: {} has {} entries, {} were pushed", tag.to_string(),
                                                     manifests.size(), images.size()));
    }
  }
  return {};
}

} // namespace pma::job::detail
