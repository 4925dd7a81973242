#pragma once

// Fake podman hosts and a fake registry for the job engine's unit tests: no
// sockets, no processes. Each FakeHost answers the libpod calls the job makes
// from scripts (hooks) and records them; the FakeRegistry holds the tags the
// lists are pushed to, so that the job's reads before and after see them.
#include <pma/hosts/session.hpp>
#include <pma/job/environment.hpp>
#include <pma/libpod/client.hpp>
#include <pma/oci/digest.hpp>
#include <pma/oci/index.hpp>
#include <pma/oci/media_types.hpp>
#include <pma/util/deadline.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace pma::testing {

using util::Error;
using util::ErrorClass;
using util::Result;

// One entry of a list the fakes hold: digest, platform, annotations ("k=v").
struct FakeEntry {
  std::string digest;
  oci::Platform platform;
  std::vector<std::string> annotations;
};

// The JSON of an OCI index listing `entries` in order.
inline std::string
index_json(const std::vector<FakeEntry>& entries)
{
  std::string manifests;
  for (const auto& entry : entries) {
    std::string annotations;
    for (const auto& annotation : entry.annotations) {
      const size_t eq = annotation.find('=');
      annotations += fmt::format(R"({}"{}":"{}")", annotations.empty() ? "" : ",", annotation.substr(0, eq),
                                 annotation.substr(eq + 1));
    }
    const auto& p = entry.platform;
    manifests += fmt::format(
        R"({}{{"mediaType":"{}","digest":"{}","size":500,"platform":{{"os":"{}","architecture":"{}"{}}}{}}})",
        manifests.empty() ? "" : ",", oci::media_type::oci_manifest, entry.digest, p.os, p.architecture,
        p.variant.empty() ? "" : fmt::format(R"(,"variant":"{}")", p.variant),
        annotations.empty() ? "" : fmt::format(R"(,"annotations":{{{}}})", annotations));
  }
  return fmt::format(R"({{"schemaVersion":2,"mediaType":"{}","manifests":[{}]}})", oci::media_type::oci_index,
                     manifests);
}

inline oci::Platform
platform(const std::string& text)
{
  return *oci::Platform::parse(text);
}

class FakeRegistry : public job::TagReader {
public:
  Result<std::optional<registry::Manifest>>
  read(const oci::ImageRef& tag) override
  {
    const std::lock_guard lock(m_mutex);
    ++m_reads;
    if (on_read) {
      if (auto answer = on_read(tag.to_string(), m_reads)) {
        return *answer;
      }
    }
    const auto it = m_tags.find(tag.to_string());
    if (it == m_tags.end()) {
      return std::optional<registry::Manifest>();
    }
    return std::optional<registry::Manifest>(it->second);
  }

  // The platform of an image pushed by digest ("repo@sha256:…"), as its
  // config says; images pushed through FakeHost are not known here.
  Result<std::optional<oci::Platform>>
  image_platform(const oci::ImageRef& image) override
  {
    const std::lock_guard lock(m_mutex);
    if (on_image) {
      if (auto answer = on_image(image.to_string())) {
        return *answer;
      }
    }
    const auto it = m_images.find(image.to_string());
    if (it == m_images.end()) {
      return std::optional<oci::Platform>();
    }
    return std::optional<oci::Platform>(it->second);
  }
  // Makes `image` ("repo@sha256:…") exist with `config_platform` in its config.
  void
  put_image(const std::string& image, const oci::Platform& config_platform)
  {
    const std::lock_guard lock(m_mutex);
    m_images[image] = config_platform;
  }

  // Makes `tag` serve `bytes` (an index); returns its digest.
  std::string
  put(const std::string& tag, const std::string& bytes)
  {
    const std::lock_guard lock(m_mutex);
    const std::string digest = oci::digest_of(bytes);
    m_tags[tag] = {bytes, std::string(oci::media_type::oci_index), digest};
    return digest;
  }
  void
  erase(const std::string& tag)
  {
    const std::lock_guard lock(m_mutex);
    m_tags.erase(tag);
  }
  std::optional<oci::Index>
  index(const std::string& tag) const
  {
    const std::lock_guard lock(m_mutex);
    const auto it = m_tags.find(tag);
    if (it == m_tags.end()) {
      return std::nullopt;
    }
    return *oci::parse_index(it->second.bytes);
  }
  std::vector<oci::Platform>
  platforms(const std::string& tag) const
  {
    std::vector<oci::Platform> out;
    if (const auto found = index(tag)) {
      for (const auto& entry : found->manifests) {
        out.push_back(entry.platform);
      }
    }
    return out;
  }

  // Called on every read (tag, reads so far): what to answer instead, if anything.
  std::function<std::optional<Result<std::optional<registry::Manifest>>>(const std::string&, int)> on_read;
  // Called on every image_platform (the image): what to answer instead, if anything.
  std::function<std::optional<Result<std::optional<oci::Platform>>>(const std::string&)> on_image;

private:
  mutable std::mutex m_mutex;
  std::map<std::string, registry::Manifest> m_tags;
  std::map<std::string, oci::Platform> m_images;
  int m_reads = 0;
};

// What a build script gets: the request, and where to report events.
using BuildScript = std::function<Result<std::string>(const libpod::BuildRequest&,
                                                      const std::function<void(const libpod::BuildEvent&)>&, int)>;

class FakeHost {
public:
  FakeHost(std::string host_name, const std::string& native_platform, libpod::Version api = {5, 4, 2})
    : name(std::move(host_name))
    , version(api)
    , native(platform(native_platform))
  {
  }

  std::string name;
  libpod::Version version;
  oci::Platform native;
  std::optional<std::vector<oci::Platform>> emulated; // what /info reports (podman ≥ 5.6)
  int cpus = 0;                                       // what /info reports (0: nothing)
  bool unreachable = false;
  // The builds of --build-context helpers and of platforms, in order: the
  // script gets the attempt number (1-based) of this host's builds.
  BuildScript on_build;
  std::function<std::optional<Error>(const libpod::PushRequest&, int)> on_push;
  std::function<std::optional<Error>(const libpod::ManifestPushRequest&, int)> on_manifest_push;
  std::function<std::optional<Error>(const std::string&)> on_remove;
  std::function<std::optional<Error>(const std::string&)> on_manifest_add;
  std::chrono::milliseconds build_delay{0};
  std::optional<oci::Platform> builds_as;   // the platform the built image really has
  std::vector<std::string> names_of_others; // image names already on the host

  // What happened, in order: "build NAME", "push DEST", "rmi NAME",
  // "manifest create NAME", "manifest add NAME DIGEST", "manifest push NAME TAG",
  // "manifest rm NAME".
  std::vector<std::string>
  calls() const
  {
    const std::lock_guard lock(m_mutex);
    return m_calls;
  }
  size_t
  count(const std::string& prefix) const
  {
    const auto all = calls();
    return static_cast<size_t>(
        std::count_if(all.begin(), all.end(), [&](const std::string& call) { return call.starts_with(prefix); }));
  }
  // The most builds it ran at once.
  int
  most_at_once() const
  {
    const std::lock_guard lock(m_mutex);
    return m_most_at_once;
  }
  // The build requests it got, in order.
  std::vector<libpod::BuildRequest>
  requests() const
  {
    const std::lock_guard lock(m_mutex);
    return m_requests;
  }
  // Image and list names on the host now.
  std::set<std::string>
  names() const
  {
    const std::lock_guard lock(m_mutex);
    return m_names;
  }

  // libpod calls, as the FakeClient forwards them.
  Result<std::string>
  build(const libpod::BuildRequest& request, const transport::BodyStream& context,
        const std::function<void(const libpod::BuildEvent&)>& on_event)
  {
    int attempt = 0;
    {
      const std::lock_guard lock(m_mutex);
      attempt = ++m_builds;
      m_calls.push_back("build " + request.tags.front());
    }
    // The context is read as podman reads it, to the end.
    PMA_TRY(context([](const char*, size_t) { return true; }));
    {
      const std::lock_guard lock(m_mutex);
      m_most_at_once = std::max(m_most_at_once, ++m_building);
      m_requests.push_back(request);
    }
    std::this_thread::sleep_for(build_delay);
    {
      const std::lock_guard lock(m_mutex);
      --m_building;
    }
    Result<std::string> id = fmt::format("{:0>64}", attempt);
    if (on_build) {
      id = on_build(request, on_event, attempt);
    } else {
      on_event({libpod::BuildEvent::Kind::step, "STEP 1/1: FROM scratch", "", 1, 1});
    }
    if (!id) {
      return id;
    }
    const std::lock_guard lock(m_mutex);
    const std::string image = fmt::format("{}-{}", name, *id);
    m_images[image] = builds_as.value_or(request.platform);
    for (const auto& tag : request.tags) {
      m_names.insert(tag);
    }
    return image;
  }
  Result<libpod::ImageInfo>
  inspect_image(const std::string& image)
  {
    const std::lock_guard lock(m_mutex);
    const auto it = m_images.find(image);
    if (it == m_images.end()) {
      return util::fail(ErrorClass::api, "image not known");
    }
    return libpod::ImageInfo{image, it->second.os, it->second.architecture, it->second.variant};
  }
  Result<std::string>
  push_image(const libpod::PushRequest& request)
  {
    int attempt = 0;
    {
      const std::lock_guard lock(m_mutex);
      attempt = ++m_pushes;
      m_calls.push_back("push " + request.destination);
    }
    if (on_push) {
      if (auto error = on_push(request, attempt)) {
        return util::Unexpected(*error);
      }
    }
    return oci::digest_of(name + request.image);
  }
  Result<void>
  remove_image(const std::string& image)
  {
    if (on_remove) {
      if (auto error = on_remove(image)) {
        return util::Unexpected(*error);
      }
    }
    const std::lock_guard lock(m_mutex);
    m_calls.push_back("rmi " + image);
    m_names.erase(image);
    m_removed_others.insert(image);
    return {};
  }
  Result<std::vector<std::string>>
  image_names(const std::string& reference)
  {
    const std::lock_guard lock(m_mutex);
    const std::string prefix = reference.substr(0, reference.find('*'));
    std::vector<std::string> out;
    for (const auto& image : m_names) {
      if (image.starts_with(prefix)) {
        out.push_back(image);
      }
    }
    for (const auto& image : names_of_others) {
      if (image.starts_with(prefix) && !m_removed_others.contains(image)) {
        out.push_back(image);
      }
    }
    return out;
  }
  Result<std::string>
  manifest_create(const std::string& list)
  {
    const std::lock_guard lock(m_mutex);
    m_calls.push_back("manifest create " + list);
    m_lists[list] = {};
    m_names.insert(list);
    return std::string("list-id");
  }
  Result<std::string>
  manifest_add(const std::string& list, const libpod::ManifestAddRequest& request)
  {
    if (on_manifest_add) {
      if (auto error = on_manifest_add(request.image)) {
        return util::Unexpected(*error);
      }
    }
    const std::lock_guard lock(m_mutex);
    const std::string digest = request.image.substr(request.image.find('@') + 1);
    m_calls.push_back(fmt::format("manifest add {} {}", list, request.platform.to_string()));
    m_lists.at(list).push_back({digest, request.platform, request.annotations});
    return std::string("list-id");
  }
  Result<std::string>
  manifest_push(const std::string& list, const libpod::ManifestPushRequest& request, FakeRegistry& registry)
  {
    int attempt = 0;
    std::vector<FakeEntry> entries;
    {
      const std::lock_guard lock(m_mutex);
      attempt = ++m_list_pushes;
      m_calls.push_back(fmt::format("manifest push {} {}", list, request.destination));
      entries = m_lists.at(list);
    }
    if (on_manifest_push) {
      if (auto error = on_manifest_push(request, attempt)) {
        return util::Unexpected(*error);
      }
    }
    return registry.put(request.destination, index_json(entries));
  }
  Result<void>
  manifest_delete(const std::string& list)
  {
    if (on_remove) {
      if (auto error = on_remove(list)) {
        return util::Unexpected(*error);
      }
    }
    const std::lock_guard lock(m_mutex);
    m_calls.push_back("manifest rm " + list);
    m_lists.erase(list);
    m_names.erase(list);
    return {};
  }

private:
  mutable std::mutex m_mutex;
  std::vector<std::string> m_calls;
  std::map<std::string, oci::Platform> m_images;
  std::map<std::string, std::vector<FakeEntry>> m_lists;
  std::set<std::string> m_names;
  std::set<std::string> m_removed_others;
  std::vector<libpod::BuildRequest> m_requests;
  int m_builds = 0;
  int m_building = 0;
  int m_most_at_once = 0;
  int m_pushes = 0;
  int m_list_pushes = 0;
};

// The libpod client of a session with a FakeHost.
class FakeClient : public libpod::LibpodClient {
public:
  FakeClient(FakeHost& host, FakeRegistry& registry)
    : m_host(host)
    , m_registry(registry)
    , m_caps(host.version)
  {
  }
  Result<libpod::PingResult>
  ping() override
  {
    return libpod::PingResult{m_host.version, {}};
  }
  Result<libpod::HostInfo>
  info() override
  {
    libpod::HostInfo info;
    info.podman_version = m_host.version.to_string();
    info.api_version = m_host.version;
    info.native = m_host.native;
    info.emulated = m_host.emulated;
    info.cpus = m_host.cpus;
    return info;
  }
  const libpod::Capabilities&
  capabilities() const override
  {
    return m_caps;
  }
  Result<std::string>
  build(const libpod::BuildRequest& request, const transport::BodyStream& context,
        const std::function<void(const libpod::BuildEvent&)>& on_event) override
  {
    return m_host.build(request, context, on_event);
  }
  Result<libpod::ImageInfo>
  inspect_image(const std::string& image) override
  {
    return m_host.inspect_image(image);
  }
  Result<std::string>
  push_image(const libpod::PushRequest& request, const std::function<void(std::string_view)>& /*on_progress*/) override
  {
    return m_host.push_image(request);
  }
  Result<void>
  remove_image(const std::string& image) override
  {
    return m_host.remove_image(image);
  }
  Result<std::vector<std::string>>
  image_names(const std::string& reference) override
  {
    return m_host.image_names(reference);
  }
  Result<void>
  tag_image(const std::string& /*image*/, const std::string& /*name*/) override
  {
    return util::fail(util::ErrorClass::internal, "not faked");
  }
  Result<std::map<std::string, std::string>>
  image_ids_by_digest(const std::vector<std::string>& /*digests*/) override
  {
    return util::fail(util::ErrorClass::internal, "not faked");
  }
  Result<std::string>
  manifest_create(const std::string& name, const std::vector<std::string>& /*index_annotations*/,
                  bool /*amend*/) override
  {
    return m_host.manifest_create(name);
  }
  Result<std::string>
  manifest_add(const std::string& name, const libpod::ManifestAddRequest& request) override
  {
    return m_host.manifest_add(name, request);
  }
  Result<std::string>
  manifest_push(const std::string& name, const libpod::ManifestPushRequest& request) override
  {
    return m_host.manifest_push(name, request, m_registry);
  }
  Result<void>
  manifest_delete(const std::string& name) override
  {
    return m_host.manifest_delete(name);
  }
  Result<libpod::RemoveReport>
  manifest_rm(const std::vector<std::string>& /*names*/, bool /*ignore*/) override
  {
    return util::fail(ErrorClass::internal, "not scripted");
  }
  Result<bool>
  manifest_exists(const std::string& /*name*/) override
  {
    return util::fail(ErrorClass::internal, "not scripted");
  }
  Result<std::string>
  manifest_annotate(const std::string& /*name*/, const libpod::ManifestAnnotateRequest& /*request*/) override
  {
    return util::fail(ErrorClass::internal, "not scripted");
  }
  Result<std::string>
  manifest_remove(const std::string& /*name*/, const std::string& /*digest*/) override
  {
    return util::fail(ErrorClass::internal, "not scripted");
  }
  Result<std::optional<oci::Index>>
  manifest_inspect(const std::string& reference, const std::string& /*auth_config*/,
                   std::optional<bool> /*tls_verify*/) override
  {
    return m_registry.index(reference);
  }

private:
  FakeHost& m_host;
  FakeRegistry& m_registry;
  libpod::Capabilities m_caps;
};

class FakeConnector : public hosts::Connector {
public:
  explicit FakeConnector(FakeRegistry& registry)
    : m_registry(registry)
  {
  }
  void
  add(FakeHost& host)
  {
    m_hosts[host.name] = &host;
  }
  Result<std::unique_ptr<hosts::Session>>
  open(const config::Host& host, const hosts::ConnectOptions& /*options*/, libpod::PingResult* ping) override
  {
    FakeHost* fake = m_hosts.at(host.name);
    if (fake->unreachable) {
      return util::Unexpected(Error(ErrorClass::connect, "connection refused").with_host(host.name));
    }
    if (ping != nullptr) {
      ping->api_version = fake->version;
    }
    return std::make_unique<hosts::Session>(host, nullptr, std::make_unique<FakeClient>(*fake, m_registry));
  }

private:
  FakeRegistry& m_registry;
  std::map<std::string, FakeHost*> m_hosts;
};

// Every report the job makes, kept for the test to read.
class RecordingProgress : public job::Progress {
public:
  void
  phase(const std::string& target, const oci::Platform& platform, const std::string& host, job::Phase phase,
        std::string_view detail) override
  {
    const std::lock_guard lock(m_mutex);
    m_phases.push_back(fmt::format("{}{} {} {} {}", target.empty() ? "" : target + " ", platform.to_string(), host,
                                   job::to_string(phase), detail));
  }
  void
  log(const std::string& /*target*/, const oci::Platform& /*platform*/, const std::string& /*host*/,
      std::string_view /*line*/) override
  {
  }
  void
  info(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    m_infos.emplace_back(message);
  }
  void
  warning(std::string_view message) override
  {
    const std::lock_guard lock(m_mutex);
    m_warnings.emplace_back(message);
  }
  // Whether a warning contains `text`.
  bool
  warned(const std::string& text) const
  {
    const std::lock_guard lock(m_mutex);
    return std::any_of(m_warnings.begin(), m_warnings.end(),
                       [&](const std::string& w) { return w.find(text) != std::string::npos; });
  }
  std::vector<std::string>
  warnings() const
  {
    const std::lock_guard lock(m_mutex);
    return m_warnings;
  }

private:
  mutable std::mutex m_mutex;
  std::vector<std::string> m_phases;
  std::vector<std::string> m_infos;
  std::vector<std::string> m_warnings;
};

} // namespace pma::testing
