// The list (podman-multiarch-build(1), steps 5-6): assembled by digest on a
// coordinating host as the platforms finish, and pushed to every tag.
#include "list.hpp"

#include <pma/oci/media_types.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>

namespace pma::job::detail {

using util::Error;
using util::ErrorClass;
using util::Result;

ListAssembler::ListAssembler(const Run& run, Fleet& fleet, Names& names, Tags& tags, BuildOutcome& outcome)
  : m_run(run)
  , m_fleet(fleet)
  , m_names(names)
  , m_tags(tags)
  , m_outcome(outcome)
{
}

hosts::Session*
ListAssembler::coordinator()
{
  const std::lock_guard lock(m_mutex);
  return coordinator_locked();
}

hosts::Session*
ListAssembler::coordinator_locked()
{
  const BuildOptions& options = m_run.options;
  if (m_coordinator != nullptr && !m_fleet.is_dead(m_coordinator->host().name)) {
    return m_coordinator;
  }
  if (m_coordinator != nullptr) {
    // It failed during the run: the list starts again on the next one.
    m_coordinator = nullptr;
    m_created = false;
    m_failed = true;
  }
  hosts::Session* best = nullptr;
  for (const auto& connected : m_fleet.hosts()) {
    hosts::Session* candidate = connected.session.get();
    if (candidate == nullptr || m_fleet.is_dead(connected.probe.host.name) ||
        !candidate->capabilities().manifest_push_route ||
        (!options.index_annotations.empty() && !candidate->capabilities().index_annotations_create)) {
      continue;
    }
    if (!options.manifest_host.empty()) {
      if (connected.probe.host.name == options.manifest_host) {
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
ListAssembler::no_coordinator_error() const
{
  const BuildOptions& options = m_run.options;
  const char* need = options.index_annotations.empty() ? "4.1" : "5.0 (for index annotations)";
  const auto versions = m_fleet.versions();
  const std::string which =
      options.manifest_host.empty() ? "no reachable host" : fmt::format("--manifest-host {}", options.manifest_host);
  return Error(ErrorClass::usage,
               fmt::format("{} can assemble the list: that needs podman {} or newer ({})", which, need,
                           versions.empty() ? "no host answered" : util::join(versions, ", ")));
}

void
ListAssembler::start(const Inputs& inputs)
{
  const std::lock_guard lock(m_mutex);
  m_inputs = &inputs;
  for (const auto& result : m_outcome.platforms) {
    m_finished.push_back(result.state != Phase::queued);
  }
}

void
ListAssembler::finished(const size_t i)
{
  if (!m_run.lists()) {
    return;
  }
  const std::lock_guard lock(m_mutex);
  m_finished[i] = true;
  while (m_next < m_finished.size() && m_finished[m_next] && !m_failed && !util::interrupt::requested()) {
    const PlatformResult& result = m_outcome.platforms[m_next++];
    if (result.state != Phase::done) {
      continue;
    }
    if (auto ok = add(result); !ok) {
      m_failed = true;
      util::log::debug("adding {} to the list failed ({}); it is assembled again after the builds",
                       result.platform.to_string(), ok.error().describe());
    }
  }
}

Result<void>
ListAssembler::add(const PlatformResult& image)
{
  hosts::Session* coordinator = coordinator_locked();
  if (coordinator == nullptr) {
    return util::Unexpected(no_coordinator_error());
  }
  auto& client = coordinator->client();
  if (!m_created) {
    m_name = m_names.make(m_run.kind("list"), nullptr);
    m_names.own(coordinator->host().name, m_name);
    m_run.progress().info(fmt::format("assembling the list on host {}", coordinator->host().name));
    // Created empty, then filled with PUT: create ignores auth and tlsVerify.
    PMA_TRY(client.manifest_create(m_name, m_run.options.index_annotations));
    m_created = true;
  }
  libpod::ManifestAddRequest request;
  request.image = m_inputs->repository.with_digest(image.digest).transport_string();
  request.platform = image.platform; // set explicitly: podman 5.4 drops arm64's v8 otherwise
  request.annotations = entry_annotations(m_run.options, image); // the fingerprint: the next run compares with it
  request.auth_header = m_inputs->push_auth;
  request.tls_verify = m_run.options.tls_verify;
  PMA_TRY(client.manifest_add(m_name, request));
  ++m_added;
  return {};
}

// A coordinator that stops answering hands the job to the next host that can
// do it (not with --manifest-host, which names the one host to use).
Result<void>
ListAssembler::assemble_and_push(const std::vector<const PlatformResult*>& images)
{
  const std::lock_guard lock(m_mutex);
  for (;;) {
    hosts::Session* coordinator = coordinator_locked();
    if (coordinator == nullptr) {
      return util::Unexpected(no_coordinator_error());
    }
    auto ok = push(*coordinator, images);
    if (ok || !ok.error().connection_lost() || !m_run.options.manifest_host.empty() || util::interrupt::requested()) {
      return ok;
    }
    m_fleet.mark_dead(coordinator->host().name);
    hosts::Session* next = coordinator_locked();
    if (next == nullptr) {
      return ok;
    }
    m_run.progress().warning(fmt::format("host {}, which assembled the list, failed ({}); assembling it on {} instead",
                                         coordinator->host().name, ok.error().message, next->host().name));
  }
}

Result<void>
ListAssembler::push(hosts::Session& coordinator, const std::vector<const PlatformResult*>& images)
{
  const BuildOptions& options = m_run.options;
  auto& client = coordinator.client();
  if (m_failed || m_added != images.size()) {
    // Filled during the builds only in part: again, from an empty list.
    if (m_created) {
      PMA_TRY(client.manifest_delete(m_name));
      m_created = false;
    }
    m_failed = false;
    m_added = 0;
    for (const auto* image : images) {
      if (auto ok = add(*image); !ok) {
        m_failed = true;
        return ok;
      }
    }
  }
  std::vector<oci::Platform> platforms;
  platforms.reserve(images.size());
  for (const auto* image : images) {
    platforms.push_back(image->platform);
  }
  PMA_TRY(m_run.env.signer != nullptr ? push_signed(coordinator, platforms) : push_to_tags(coordinator, platforms));
  m_outcome.media_type = oci::media_type::list_for_format(options.format);
  return {};
}

bool
ListAssembler::moved(const oci::ImageRef& tag) const
{
  return std::find(m_outcome.tags.begin(), m_outcome.tags.end(), tag.to_string()) != m_outcome.tags.end();
}

Result<void>
ListAssembler::push_to_tags(hosts::Session& coordinator, const std::vector<oci::Platform>& platforms)
{
  const BuildOptions& options = m_run.options;
  for (size_t i = 0; i < options.tags.size(); ++i) {
    const auto& tag = options.tags[i];
    if (moved(tag)) {
      continue; // pushed before a coordinator failed
    }
    if (util::interrupt::requested()) {
      return util::Unexpected(Error(ErrorClass::interrupted, "interrupted: the list was not pushed"));
    }
    PMA_TRY(m_tags.recheck(i, platforms, coordinator));
    PMA_TRY_ASSIGN(const std::string digest, push_to(coordinator, tag));
    record_tag(tag, digest);
  }
  return {};
}

std::vector<std::vector<size_t>>
tags_by_repository(const std::vector<oci::ImageRef>& tags)
{
  std::vector<std::vector<size_t>> groups;
  for (size_t i = 0; i < tags.size(); ++i) {
    auto group = std::find_if(groups.begin(), groups.end(), [&](const std::vector<size_t>& members) {
      return tags[members.front()].name() == tags[i].name();
    });
    if (group == groups.end()) {
      groups.emplace_back();
      group = std::prev(groups.end());
    }
    group->push_back(i);
  }
  return groups;
}

Result<std::string>
ListAssembler::push_to(hosts::Session& coordinator, const oci::ImageRef& destination)
{
  const BuildOptions& options = m_run.options;
  libpod::ManifestPushRequest request;
  request.destination = destination.to_string();
  // Instances already live in the first tag's repository; elsewhere they
  // must be copied along.
  request.all = destination.name() != m_inputs->repository.name();
  request.format = options.format;
  request.auth_header = m_run.credentials.header_for({destination.name(), m_inputs->repository.name()});
  request.tls_verify = options.tls_verify;
  m_run.progress().info(fmt::format("pushing the list to {}", destination.to_string()));
  Result<std::string> digest = util::fail(ErrorClass::internal, "not pushed");
  PMA_TRY(m_run.with_retries("pushing the list to " + destination.to_string(), m_outcome.list_push_retries, [&] {
    digest = coordinator.client().manifest_push(m_name, request);
    return digest ? Result<void>() : util::Unexpected(digest.error());
  }));
  return digest;
}

void
ListAssembler::record_tag(const oci::ImageRef& tag, const std::string& digest)
{
  if (!m_outcome.index_digest.empty() && m_outcome.index_digest != digest) {
    m_run.progress().warning(
        fmt::format("{} got index {}, unlike {} for the first tag", tag.to_string(), digest, m_outcome.index_digest));
  }
  if (m_outcome.index_digest.empty()) {
    m_outcome.index_digest = digest;
  }
  m_outcome.tags.push_back(tag.to_string());
}

// Signed: podman pushes the list under a staging tag of each repository, the
// list and its images are signed for every tag there, and only then do the
// tags move, to the bytes that were signed (docs/signing.md, "Order").
Result<void>
ListAssembler::push_signed(hosts::Session& coordinator, const std::vector<oci::Platform>& platforms)
{
  const BuildOptions& options = m_run.options;
  ReleaseSigner& signer = *m_run.env.signer;
  struct Repository {
    oci::ImageRef staged;
    std::vector<size_t> tags; // options.tags indexes
    std::optional<StagedList> list;
    bool pushed = false;
  };
  std::vector<Repository> repositories;
  // Unique to the run and target; a tag has at most 128 characters.
  const std::string staging_tag =
      ("podman-multiarch-staging-" + m_run.id + (m_run.name_part.empty() ? "" : "-" + m_run.name_part)).substr(0, 128);
  for (auto& group : tags_by_repository(options.tags)) {
    repositories.push_back({options.tags[group.front()].with_tag(staging_tag), std::move(group), std::nullopt});
  }
  const auto remove_staging = [&] {
    for (const auto& repository : repositories) {
      if (!repository.pushed) {
        continue;
      }
      const auto removed = signer.remove_staging(repository.staged, m_run.id);
      if (!removed || !*removed) {
        m_run.progress().warning(fmt::format("the staging tag {} could not be removed ({})",
                                             repository.staged.to_string(),
                                             removed ? "the registry deletes nothing" : removed.error().message));
      }
    }
  };
  const auto fail = [&](Error error) -> Result<void> {
    remove_staging();
    return util::Unexpected(std::move(error));
  };
  SignReport report;
  std::chrono::steady_clock::duration signing{};
  for (auto& repository : repositories) {
    if (util::interrupt::requested()) {
      return fail(Error(ErrorClass::interrupted, "interrupted: the list was not pushed; no tag moved"));
    }
    repository.pushed = true;
    if (auto pushed = push_to(coordinator, repository.staged); !pushed) {
      return fail(std::move(pushed).error());
    }
    std::vector<oci::ImageRef> tags;
    for (const size_t i : repository.tags) {
      tags.push_back(options.tags[i]);
    }
    const auto started = std::chrono::steady_clock::now();
    auto list = signer.sign(repository.staged, tags, report);
    signing += std::chrono::steady_clock::now() - started;
    if (!list) {
      Error error = std::move(list).error();
      error.message = "signing: " + error.message + "; no tag moved";
      return fail(std::move(error));
    }
    repository.list = std::move(*list);
  }
  m_outcome.signing = report;
  m_run.progress().info(fmt::format("signed and verified {} manifests ({} new signatures, {} kept) in {} ms",
                                    report.signed_manifests + report.kept, report.signatures, report.kept,
                                    std::chrono::duration_cast<std::chrono::milliseconds>(signing).count()));
  for (const auto& repository : repositories) {
    for (const size_t i : repository.tags) {
      const auto& tag = options.tags[i];
      if (moved(tag)) {
        continue; // moved before a coordinator failed
      }
      if (util::interrupt::requested()) {
        return fail(Error(ErrorClass::interrupted, "interrupted before the list moved to " + tag.to_string()));
      }
      if (auto ok = m_tags.recheck(i, platforms, coordinator); !ok) {
        return fail(std::move(ok).error());
      }
      m_run.progress().info(fmt::format("moving {} to the signed list", tag.to_string()));
      if (auto moved = signer.move_tag(*repository.list, tag); !moved) {
        return fail(std::move(moved).error());
      }
      record_tag(tag, repository.list->digest);
    }
  }
  remove_staging();
  return {};
}

} // namespace pma::job::detail
