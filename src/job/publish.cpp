// Publishing (podman-multiarch-build(1), steps 2, 5-7): shrink protection,
// the list assembled by digest on a coordinating host, pushed to every tag,
// and read back from the registry.
#include <pma/oci/media_types.hpp>
#include <pma/registry/reader.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "runner.hpp"

namespace pma::job::detail {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

// Platforms `existing` serves that `platforms` lacks.
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

} // namespace

hosts::Session*
Runner::choose_coordinator()
{
  const std::lock_guard lock(m_failover_mutex);
  if (m_coordinator != nullptr && !m_dead_hosts.contains(m_coordinator->host().name)) {
    return m_coordinator;
  }
  if (m_coordinator != nullptr) {
    // It failed during the run: the list starts again on the next one.
    m_coordinator = nullptr;
    m_list_created = false;
    m_list.failed = true;
  }
  hosts::Session* best = nullptr;
  for (auto& connected : m_connected) {
    hosts::Session* candidate = connected.session.get();
    if (candidate == nullptr || m_dead_hosts.contains(connected.probe.host.name) ||
        !candidate->capabilities().manifest_push_route ||
        (!m_options.index_annotations.empty() && !candidate->capabilities().index_annotations_create)) {
      continue;
    }
    if (!m_options.manifest_host.empty()) {
      if (connected.probe.host.name == m_options.manifest_host) {
        best = candidate;
      }
      continue;
    }
    // Prefer a host that can read authenticated registries (verification),
    // then the newest podman; host order breaks ties.
    const auto rank = [](const hosts::Session* s) {
      return std::make_pair(s->capabilities().manifest_inspect_auth, s->capabilities().version);
    };
    if (best == nullptr || rank(candidate) > rank(best)) {
      best = candidate;
    }
  }
  m_coordinator = best;
  if (best != nullptr) {
    m_outcome.coordinator = best->host().name;
  }
  return best;
}

Error
Runner::no_coordinator_error() const
{
  const char* need = m_options.index_annotations.empty() ? "4.1" : "5.0 (for index annotations)";
  std::vector<std::string> versions;
  for (const auto& connected : m_connected) {
    if (connected.session) {
      versions.push_back(
          fmt::format("{} runs {}", connected.probe.host.name, connected.session->capabilities().version.to_string()));
    }
  }
  const std::string which = m_options.manifest_host.empty()
                                ? "no reachable host"
                                : fmt::format("--manifest-host {}", m_options.manifest_host);
  return Error(ErrorClass::usage,
               fmt::format("{} can assemble the list: that needs podman {} or newer ({})", which, need,
                           versions.empty() ? "no host answered" : util::join(versions, ", ")));
}

Result<void>
Runner::check_existing_tags(const std::vector<oci::Platform>& platforms)
{
  if (m_options.allow_shrink) {
    return {};
  }
  hosts::Session* coordinator = choose_coordinator();
  if (coordinator == nullptr) {
    return {}; // publish() reports that no host can assemble the list
  }
  for (size_t i = 0; i < m_options.tags.size(); ++i) {
    const auto& tag = m_options.tags[i];
    auto existing = read_tag(tag, *coordinator, nullptr, m_tags_before[i]);
    if (!existing) {
      Error error = std::move(existing).error();
      error.hint = error.cls == ErrorClass::internal
                       ? "add a podman 4.6+ host, choose it with --manifest-host, or pass --allow-shrink"
                       : "pass --allow-shrink to publish without checking what the tag holds now";
      error.message = fmt::format("cannot check what {} serves now: {}", tag.to_string(), error.message);
      return util::Unexpected(std::move(error));
    }
    if (*existing && (*existing)->is_list) {
      const auto dropped = dropped_platforms(**existing, platforms);
      if (!dropped.empty()) {
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

void
Runner::publish()
{
  std::vector<const PlatformResult*> built;
  std::vector<std::string> failures;
  for (const auto& result : m_outcome.platforms) {
    if (result.state == Phase::done) {
      built.push_back(&result);
    } else {
      failures.push_back(result.error ? result.error->describe() : result.platform.to_string());
    }
  }
  if (!failures.empty()) {
    const std::string summary = fmt::format("{} of {} platforms failed: {}", failures.size(),
                                            m_outcome.platforms.size(), util::join(failures, "; "));
    if (!m_options.allow_partial || built.empty()) {
      m_outcome.exit_code = 4;
      m_outcome.error = Error(ErrorClass::api, "nothing published: " + summary,
                              m_options.allow_partial ? "" : "--allow-partial publishes the platforms that built");
      return;
    }
    for (const auto& required : m_options.required) {
      const bool present =
          std::any_of(built.begin(), built.end(), [&](const PlatformResult* r) { return r->platform == required; });
      if (!present) {
        m_outcome.exit_code = 4;
        m_outcome.error = Error(ErrorClass::api, fmt::format("nothing published: required platform {} failed; {}",
                                                             required.to_string(), summary));
        return;
      }
    }
    if (!m_options.allow_shrink) {
      std::vector<oci::Platform> platforms;
      platforms.reserve(built.size());
      for (const auto* result : built) {
        platforms.push_back(result->platform);
      }
      for (const auto& [tag, existing] : m_existing) {
        if (existing && existing->is_list && !dropped_platforms(*existing, platforms).empty()) {
          m_outcome.exit_code = 2;
          m_outcome.error =
              Error(ErrorClass::usage,
                    fmt::format("nothing published: the partial list would drop {} from {}",
                                util::join(oci::to_strings(dropped_platforms(*existing, platforms)), ", "), tag),
                    "pass --allow-shrink to shrink it deliberately");
          return;
        }
      }
    }
    m_progress.warning("partial publish: " + summary);
  }
  if (auto ok = assemble_and_push(built); !ok) {
    Error error = std::move(ok).error();
    for (const auto& tag : m_options.tags) {
      if (std::find(m_outcome.tags.begin(), m_outcome.tags.end(), tag.to_string()) == m_outcome.tags.end()) {
        m_outcome.tags_not_pushed.push_back(tag.to_string());
      }
    }
    if (m_outcome.tags.empty()) {
      m_outcome.exit_code = util::to_int(util::exit_status_for(error.cls));
    } else {
      // Some tags serve the new list, the others what they served before.
      m_outcome.exit_code = 1;
      error.message =
          fmt::format("{}; {} serve{} the new list {}, {} still serve{} what {} served before", error.message,
                      util::join(m_outcome.tags, ", "), m_outcome.tags.size() == 1 ? "s" : "", m_outcome.index_digest,
                      util::join(m_outcome.tags_not_pushed, ", "), m_outcome.tags_not_pushed.size() == 1 ? "s" : "",
                      m_outcome.tags_not_pushed.size() == 1 ? "it" : "they");
    }
    m_outcome.error = std::move(error);
    return;
  }
  if (auto ok = verify(built); !ok) {
    m_outcome.exit_code = 1;
    m_outcome.error = std::move(ok).error();
    return;
  }
  m_outcome.exit_code = failures.empty() ? 0 : 3;
}

// Called by each platform's worker when it is finished. Images join the list
// in plan order, so that the index lists the platforms in the same order
// whichever finishes first; each is added as soon as it and those before it
// are finished, and the list is complete a moment after the last push.
void
Runner::add_finished_to_list(const PlatformResult& finished)
{
  if (m_options.no_push || m_options.tags.empty()) {
    return;
  }
  const std::lock_guard lock(m_list.mutex);
  m_list.finished[static_cast<size_t>(&finished - m_outcome.platforms.data())] = true;
  while (m_list.next < m_list.finished.size() && m_list.finished[m_list.next] && !m_list.failed &&
         !util::interrupt::requested()) {
    const PlatformResult& result = m_outcome.platforms[m_list.next++];
    if (result.state != Phase::done) {
      continue;
    }
    if (auto ok = add_to_list(result); !ok) {
      m_list.failed = true;
      util::log::debug("adding {} to the list failed ({}); it is assembled again after the builds",
                       result.platform.to_string(), ok.error().describe());
    }
  }
}

Result<void>
Runner::add_to_list(const PlatformResult& image)
{
  hosts::Session* coordinator = choose_coordinator();
  if (coordinator == nullptr) {
    return util::Unexpected(no_coordinator_error());
  }
  auto& client = coordinator->client();
  if (!m_list_created) {
    m_list_name = owned_name("list", nullptr);
    own(coordinator->host().name, m_list_name);
    m_progress.info(fmt::format("assembling the list on host {}", coordinator->host().name));
    // Created empty, then filled with PUT: create ignores auth and tlsVerify.
    if (auto ok = client.manifest_create(m_list_name, m_options.index_annotations); !ok) {
      return util::Unexpected(std::move(ok).error());
    }
    m_list_created = true;
  }
  libpod::ManifestAddRequest add;
  add.image = m_repository.with_digest(image.digest).transport_string();
  add.platform = image.platform; // set explicitly: podman 5.4 drops arm64's v8 otherwise
  add.annotations = m_options.descriptor_annotations;
  add.auth_header = m_push_auth;
  add.tls_verify = m_options.tls_verify;
  if (auto ok = client.manifest_add(m_list_name, add); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  ++m_list.added;
  return {};
}

// The list is assembled on the coordinator and pushed to every tag; a
// coordinator that stops answering hands the job to the next host that can do
// it (not with --manifest-host, which names the one host to use).
Result<void>
Runner::assemble_and_push(const std::vector<const PlatformResult*>& images)
{
  for (;;) {
    hosts::Session* coordinator = choose_coordinator();
    if (coordinator == nullptr) {
      return util::Unexpected(no_coordinator_error());
    }
    auto ok = push_list(*coordinator, images);
    if (ok || !ok.error().connection_lost() || !m_options.manifest_host.empty() || util::interrupt::requested()) {
      return ok;
    }
    {
      const std::lock_guard lock(m_failover_mutex);
      m_dead_hosts.insert(coordinator->host().name);
    }
    hosts::Session* next = choose_coordinator();
    if (next == nullptr) {
      return ok;
    }
    m_progress.warning(fmt::format("host {}, which assembled the list, failed ({}); assembling it on {} instead",
                                   coordinator->host().name, ok.error().message, next->host().name));
  }
}

Result<void>
Runner::push_list(hosts::Session& coordinator, const std::vector<const PlatformResult*>& images)
{
  auto& client = coordinator.client();
  if (m_list.failed || m_list.added != images.size()) {
    // Filled during the builds only in part: again, from an empty list.
    if (m_list_created) {
      if (auto ok = client.manifest_delete(m_list_name); !ok) {
        return ok;
      }
      m_list_created = false;
    }
    m_list.failed = false;
    m_list.added = 0;
    for (const auto* image : images) {
      if (auto ok = add_to_list(*image); !ok) {
        m_list.failed = true;
        return ok;
      }
    }
  }
  std::vector<oci::Platform> platforms;
  platforms.reserve(images.size());
  for (const auto* image : images) {
    platforms.push_back(image->platform);
  }
  for (size_t i = 0; i < m_options.tags.size(); ++i) {
    const auto& tag = m_options.tags[i];
    if (std::find(m_outcome.tags.begin(), m_outcome.tags.end(), tag.to_string()) != m_outcome.tags.end()) {
      continue; // pushed before a coordinator failed
    }
    if (util::interrupt::requested()) {
      return util::Unexpected(Error(ErrorClass::interrupted, "interrupted: the list was not pushed"));
    }
    if (auto ok = recheck_tag(i, platforms, coordinator); !ok) {
      return ok;
    }
    libpod::ManifestPushRequest push;
    push.destination = tag.to_string();
    // Instances already live in the first tag's repository; elsewhere they
    // must be copied along.
    push.all = tag.name() != m_repository.name();
    push.format = m_options.format;
    push.auth_header = m_credentials.header_for({tag.name(), m_repository.name()});
    push.tls_verify = m_options.tls_verify;
    m_progress.info(fmt::format("pushing the list to {}", tag.to_string()));
    Result<std::string> digest = util::fail(ErrorClass::internal, "not pushed");
    auto pushed = with_retries("pushing the list to " + tag.to_string(), m_outcome.list_push_retries, [&] {
      digest = client.manifest_push(m_list_name, push);
      return digest ? Result<void>() : util::Unexpected(digest.error());
    });
    if (!pushed) {
      return util::Unexpected(std::move(pushed).error());
    }
    if (!m_outcome.index_digest.empty() && m_outcome.index_digest != *digest) {
      m_progress.warning(fmt::format("{} got index {}, unlike {} for the first tag", tag.to_string(), *digest,
                                     m_outcome.index_digest));
    }
    if (m_outcome.index_digest.empty()) {
      m_outcome.index_digest = *digest;
    }
    m_outcome.tags.push_back(tag.to_string());
  }
  m_outcome.media_type = oci::media_type::list_for_format(m_options.format);
  return {};
}

// Right before the list goes to tag #i: what it serves now. Another run may
// have published there since this one read it (check_existing_tags); a list
// that now has platforms this one lacks is not replaced. The registry API has
// no compare-and-swap for a tag, so a window remains: this read to the push,
// milliseconds rather than the length of the builds.
Result<void>
Runner::recheck_tag(const size_t i, const std::vector<oci::Platform>& platforms, hosts::Session& coordinator)
{
  if (m_options.allow_shrink) {
    return {};
  }
  const auto& tag = m_options.tags[i];
  std::string digest;
  auto now = read_tag(tag, coordinator, &digest, m_registry.find(tag));
  if (!now) {
    Error error = std::move(now).error();
    error.message =
        fmt::format("cannot check what {} serves before pushing the list there: {}", tag.to_string(), error.message);
    error.hint = "pass --allow-shrink to publish without checking what the tag holds";
    return util::Unexpected(std::move(error));
  }
  const auto& before = m_tags_before[i];
  if (before && *before && (*before)->digest == digest) {
    return {}; // unchanged since the run began
  }
  if (!*now || !(*now)->is_list) {
    return {};
  }
  const auto dropped = dropped_platforms(**now, platforms);
  if (dropped.empty()) {
    if (!digest.empty()) {
      m_progress.warning(fmt::format("{} changed while this run built (it serves {} now); replacing it keeps "
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

// What `tag` serves, from `direct` (the registry read from here: exact bytes,
// `digest` is set) or, where this machine did not reach it, through
// `coordinator`. nullopt: no such tag. An error of class internal: nobody can tell.
Result<std::optional<oci::Index>>
Runner::read_tag(const oci::ImageRef& tag, hosts::Session& coordinator, std::string* digest,
                 const Result<std::optional<registry::Manifest>>& direct)
{
  if (direct && !*direct) {
    return std::optional<oci::Index>();
  }
  if (direct) {
    auto index = oci::parse_index((*direct)->bytes);
    if (!index) {
      return util::Unexpected(std::move(index).error());
    }
    if (digest != nullptr) {
      *digest = (*direct)->digest;
    }
    return std::optional<oci::Index>(std::move(*index));
  }
  if (direct.error().cls == ErrorClass::auth) {
    return util::Unexpected(direct.error());
  }
  util::log::debug("reading {} from here failed ({}); asking host {}", tag.to_string(), direct.error().describe(),
                   coordinator.host().name);
  const std::string auth_config = m_credentials.header_for({tag.name()});
  if (!auth_config.empty()) {
    if (!coordinator.capabilities().manifest_inspect_auth) {
      return util::fail(ErrorClass::internal,
                        fmt::format("{} is not reachable from here, and podman {} on host {} cannot read "
                                    "authenticated registries (4.6 or newer can)",
                                    tag.registry, coordinator.capabilities().version.to_string(),
                                    coordinator.host().name));
    }
  }
  return coordinator.client().manifest_inspect(tag.to_string(), auth_config, m_options.tls_verify);
}

Result<void>
Runner::verify(const std::vector<const PlatformResult*>& images)
{
  hosts::Session* coordinator = choose_coordinator();
  for (const auto& tag : m_options.tags) {
    std::string digest;
    auto index = read_tag(tag, *coordinator, &digest, m_registry.find(tag));
    if (!index && index.error().cls == ErrorClass::internal) {
      m_progress.warning("not verified: " + index.error().message);
      return {};
    }
    if (!index) {
      return util::Unexpected(std::move(index).error());
    }
    if (!digest.empty() && digest != m_outcome.index_digest) {
      return util::fail(ErrorClass::api, fmt::format("verification: {} serves index {}, not the pushed {}",
                                                     tag.to_string(), digest, m_outcome.index_digest));
    }
    if (!*index || !(*index)->is_list) {
      return util::fail(ErrorClass::api,
                        fmt::format("verification: {} does not serve a list after the push", tag.to_string()));
    }
    const auto& manifests = (*index)->manifests;
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
  m_outcome.verified = true;
  m_progress.info("verified: the registry serves every platform at the pushed digest");
  return {};
}

} // namespace pma::job::detail
