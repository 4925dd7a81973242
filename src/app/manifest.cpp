// podman's manifest verbs on one host (include/pma/app/manifest.hpp).
#include <pma/app/manifest.hpp>
#include <pma/app/validate.hpp>
#include <pma/oci/digest.hpp>
#include <pma/oci/reference.hpp>
#include <pma/registry/reader.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>
#include <pma/util/retry.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <random>

namespace pma::app {

using util::Error;
using util::ErrorClass;
using util::Result;

ManifestSession::ManifestSession(std::unique_ptr<hosts::Session> session, auth::CredentialStore credentials,
                                 std::vector<std::string> add_compression)
  : m_session(std::move(session))
  , m_host{m_session->client(), m_session->host().name, std::move(credentials), std::move(add_compression)}
{
}

Result<ManifestSession>
ManifestSession::open(const HostChoice& choice, const auth::AuthOptions& auth_options)
{
  PMA_TRY_ASSIGN(auto selection, select_hosts(choice));
  PMA_TRY_ASSIGN(auto session, hosts::open_session(selection.hosts.front(), selection.connect));
  PMA_TRY_ASSIGN(auto credentials, load_credentials(auth_options));
  return ManifestSession(std::move(session), std::move(credentials), std::move(selection.add_compression));
}

namespace {

// --annotation values must be KEY=VALUE, as podman checks before sending.
Result<void>
check_annotations(const std::vector<std::string>& annotations)
{
  for (const auto& annotation : annotations) {
    if (annotation.find('=') == std::string::npos || annotation.front() == '=') {
      return util::Unexpected(Error(ErrorClass::usage, fmt::format("no value given for annotation '{}'", annotation),
                                    "--annotation takes KEY=VALUE"));
    }
  }
  return {};
}

// --artifact and its options, as podman checks them: FILES are what it uploads.
Result<std::optional<libpod::ArtifactRequest>>
artifact_of(const ArtifactOptions& options, const std::vector<std::string>& files)
{
  if (!options.enabled) {
    std::vector<std::string> given;
    for (const auto& [value, option] :
         {std::pair{&options.type, "--artifact-type"}, std::pair{&options.config_file, "--artifact-config"},
          std::pair{&options.config_type, "--artifact-config-type"},
          std::pair{&options.layer_type, "--artifact-layer-type"}, std::pair{&options.subject, "--artifact-subject"}}) {
      if (value->has_value()) {
        given.emplace_back(option);
      }
    }
    if (options.exclude_titles) {
      given.emplace_back("--artifact-exclude-titles");
    }
    if (!given.empty()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("{} require{} --artifact", util::join(given, "/"), given.size() == 1 ? "s" : ""));
    }
    return std::optional<libpod::ArtifactRequest>();
  }
  libpod::ArtifactRequest artifact;
  for (const auto& file : files) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      return util::fail(ErrorClass::usage, fmt::format("--artifact: {} is not a file", file));
    }
    artifact.files.emplace_back(file);
  }
  artifact.type = options.type;
  if (const std::string file = options.config_file.value_or(""); !file.empty()) {
    PMA_TRY_ASSIGN(artifact.config, util::read_file(file));
  }
  artifact.config_type = options.config_type.value_or("");
  artifact.layer_type = options.layer_type.value_or("");
  artifact.subject = options.subject.value_or("");
  artifact.exclude_titles = options.exclude_titles;
  return std::optional(std::move(artifact));
}

// The service ignores an artifact's platform fields and annotations (podman
// sets them after adding it, locally): the new entry is annotated with them.
Result<void>
annotate_new_artifact(ManifestHost& host, const std::string& list, const EntryFields& fields)
{
  if (fields.empty()) {
    return {};
  }
  libpod::ManifestAnnotateRequest request{fields};
  PMA_TRY_ASSIGN(const auto index, host.client.manifest_inspect(list, "", std::nullopt));
  if (!index || index->manifests.empty()) {
    return util::fail(ErrorClass::api, fmt::format("{}: the artifact added is not in the list", list));
  }
  request.digest = index->manifests.back().digest; // the service appends
  PMA_TRY(host.client.manifest_annotate(list, request));
  return {};
}

} // namespace

Result<std::string>
add_to_list(ManifestHost& host, const AddRequest& request)
{
  PMA_TRY(check_annotations(request.entry.annotations));
  PMA_TRY_ASSIGN(const auto artifact, artifact_of(request.artifact, request.images));
  std::string id;
  for (const auto& image : artifact ? std::vector<std::string>{""} : request.images) {
    libpod::ManifestAddRequest add;
    add.artifact = artifact;
    add.image = image; // as podman sends it: no transport means docker://
    add.all = request.all;
    add.platform.os = request.entry.os;
    add.platform.architecture = request.entry.architecture;
    add.platform.variant = request.entry.variant;
    add.os_version = request.entry.os_version;
    add.os_features = request.entry.os_features;
    add.features = request.entry.features;
    add.annotations = request.entry.annotations;
    add.auth_header = image.empty() ? std::string() : host.credentials.header_for({image});
    add.tls_verify = request.tls_verify;
    PMA_TRY_ASSIGN(id, host.client.manifest_add(request.list, add));
  }
  if (artifact) {
    PMA_TRY(annotate_new_artifact(host, request.list, request.entry));
  }
  return id;
}

Result<std::string>
create_list(ManifestHost& host, const CreateRequest& request)
{
  bool existed = false;
  if (request.amend) {
    auto exists = host.client.manifest_exists(request.list);
    existed = exists && *exists;
  }
  PMA_TRY_ASSIGN(auto id, host.client.manifest_create(request.list, request.annotations, request.amend));
  if (request.images.empty()) {
    return id;
  }
  AddRequest add{.list = request.list, .images = request.images, .all = request.all, .tls_verify = request.tls_verify};
  add.entry.annotations = request.annotations;
  auto added = add_to_list(host, add);
  if (!added) {
    // All or nothing: a list we created is not left behind half filled (podman leaves it).
    if (!existed) {
      (void)host.client.manifest_delete(request.list);
    }
    return util::Unexpected(std::move(added).error());
  }
  return added;
}

Result<std::string>
annotate_list(ManifestHost& host, const AnnotateRequest& request)
{
  const std::string entry = request.entry.value_or("");
  if (request.index && request.entry) {
    return util::Unexpected(
        Error(ErrorClass::usage,
              fmt::format("did not expect an entry ('{}') with --index, which annotates the list", entry)));
  }
  std::string digest;
  if (!request.index) {
    digest = entry;
    if (const size_t at = digest.find('@'); at != std::string::npos) {
      digest = digest.substr(at + 1);
    }
    if (!oci::is_sha256_digest(digest)) {
      return util::Unexpected(Error(ErrorClass::usage, fmt::format("'{}' is not an entry digest", entry),
                                    "give sha256:… as shown by podman-multiarch manifest inspect, or --index"));
    }
  }
  PMA_TRY(check_annotations(request.fields.annotations));
  return host.client.manifest_annotate(request.list,
                                       libpod::ManifestAnnotateRequest{request.fields, digest, request.index});
}

Result<std::string>
remove_from_list(ManifestHost& host, const std::string& list, const std::string& digest)
{
  return host.client.manifest_remove(list, digest);
}

// podman reads a local list first, else the registry. A registry reference
// (docker://, or a name no local list has) is read here directly, with
// podman's credentials and certs.d trust; through the host only where this
// machine does not reach that registry.
Result<std::string>
inspect_list(ManifestHost& host, const std::string& name, const std::optional<bool> tls_verify)
{
  const auto ref = oci::TransportRef::parse(name);
  if (ref.transport.empty()) {
    auto exists = host.client.manifest_exists(name);
    if (exists && *exists) {
      PMA_TRY_ASSIGN(const auto index, host.client.manifest_inspect(name, "", std::nullopt));
      if (index) {
        return index->body;
      }
    }
  } else if (ref.transport != "docker") {
    return util::Unexpected(
        Error(ErrorClass::usage,
              fmt::format("manifest inspect reads local lists and registries, not {}: references", ref.transport)));
  }
  const auto image = ref.registry_image();
  if (!image) {
    return util::Unexpected(
        Error(ErrorClass::usage, fmt::format("{}: no such local list, nor a registry reference", name)));
  }
  registry::Reader reader(host.credentials, {.tls_verify = tls_verify.value_or(true)});
  auto direct = reader.manifest(*image);
  if (direct) {
    return std::move(direct->bytes);
  }
  if (!direct.error().connection_lost()) {
    Error error = std::move(direct).error();
    error.message = fmt::format("reading image \"docker://{}\": {}", image->to_string(), error.message);
    return util::Unexpected(std::move(error));
  }
  util::log::debug("reading {} from here failed ({}); asking the host", image->to_string(), direct.error().describe());
  // The service refuses what its version would ignore (--tls-verify before 4.4, credentials before 4.6).
  PMA_TRY_ASSIGN(
      const auto index,
      host.client.manifest_inspect(image->to_string(), host.credentials.header_for({image->to_string()}), tls_verify));
  if (!index) {
    return util::fail(ErrorClass::registry, fmt::format("{}: no such manifest list or image", name));
  }
  return index->body;
}

namespace {

// The list at `staged` signed for `tag`, which then moves to it; the staging
// tag is removed whatever happens. The list's digest.
Result<std::string>
sign_and_move(job::ReleaseSigner& signer, const oci::ImageRef& staged, const oci::ImageRef& tag)
{
  job::SignReport report;
  auto list = signer.sign(staged, {tag}, report);
  auto moved = list ? signer.move_tag(*list, tag) : Result<void>(util::Unexpected(list.error()));
  const auto removed = signer.remove_staging(staged, staged.tag);
  if (!removed || !*removed) {
    util::log::warn("the staging tag {} could not be removed ({})", staged.to_string(),
                    removed ? "the registry deletes nothing" : removed.error().message);
  }
  if (!moved) {
    Error error = std::move(moved).error();
    error.message =
        fmt::format("{}: {}; {} was not moved", list ? "moving the tag" : "signing", error.message, tag.to_string());
    return util::Unexpected(std::move(error));
  }
  util::log::info("signed {} and {} images for {} ({} new signatures)", list->digest, list->images.size(),
                  tag.to_string(), report.signatures);
  return list->digest;
}

} // namespace

Result<void>
push_list(ManifestHost& host, const PushRequest& request)
{
  auto& client = host.client;
  const std::string& list = request.list;
  libpod::ManifestPushRequest push;
  push.destination = request.destination.empty() ? list : request.destination; // podman: the list's own name, as typed
  push.all = request.all;
  if (request.format) { // podman keeps the list's own type unless told
    push.format = *request.format == "docker" ? "docker" : "oci";
  }
  push.tls_verify = request.tls_verify;
  push.remove_signatures = request.remove_signatures;
  push.compression_format = request.compression_format;
  push.compression_level = request.compression_level;
  for (const auto& item : request.add_compression.value_or(host.add_compression)) {
    for (const auto& format : util::split(item, ',')) {
      push.add_compression.push_back(format);
    }
  }
  if (request.force_compression) {
    push.force_compression = request.force_compression;
  } else if (!push.compression_format.empty() && client.capabilities().push_add_compression) {
    push.force_compression = true; // podman's default when --compression-format is given
  }
  // --all copies the images from wherever they were added: registries we cannot know.
  push.auth_header = push.all ? host.credentials.header_for_all() : host.credentials.header_for({push.destination});
  push.on_progress = request.on_progress;
  if (!request.allow_empty) {
    auto found = client.manifest_inspect(list, "", std::nullopt);
    if (found && *found && (*found)->is_list && (*found)->manifests.empty()) {
      return util::Unexpected(
          Error(ErrorClass::usage,
                fmt::format("{} has no images: pushing it would publish an empty list to {}", list, push.destination),
                "add images first (did an add fail?), or pass --allow-empty (podman pushes it without asking)"));
    }
  }
  PMA_TRY_ASSIGN(const auto policy, retry_policy(request.retries, request.retry_delay));
  std::unique_ptr<job::ReleaseSigner> signer;
  std::optional<oci::ImageRef> tag;
  std::optional<oci::ImageRef> staged;
  if (request.signing) {
    PMA_TRY_ASSIGN(signer, load_signer(*request.signing, host.credentials, request.tls_verify.value_or(true)));
    PMA_TRY(signer->prepare()); // a wrong passphrase before anything is pushed
    tag = oci::TransportRef::parse(push.destination).registry_image();
    if (!tag || !tag->digest.empty()) {
      return util::fail(ErrorClass::usage,
                        fmt::format("signing needs a registry tag as the destination, not {}", push.destination));
    }
    staged = tag->with_tag(fmt::format("podman-multiarch-staging-{:08x}", std::random_device()()));
    push.destination = staged->to_string();
  }
  Result<std::string> digest = util::fail(ErrorClass::internal, "not pushed");
  PMA_TRY(util::with_retries(
      policy, "pushing " + list,
      [&]() -> Result<void> {
        digest = client.manifest_push(list, push);
        return digest ? Result<void>() : util::Unexpected(digest.error());
      },
      [](int /*retry*/, const std::string& message) { util::log::warn("{}", message); }));
  if (signer) {
    PMA_TRY_ASSIGN(digest, sign_and_move(*signer, *staged, *tag));
  }
  if (request.digest_file) {
    std::ofstream out(*request.digest_file, std::ios::trunc);
    out << *digest;
    if (!out.flush()) {
      return util::fail(ErrorClass::usage, fmt::format("cannot write {}", *request.digest_file));
    }
  }
  if (request.remove_after) {
    PMA_TRY(client.manifest_rm({list}, false));
  }
  return {};
}

Result<libpod::RemoveReport>
remove_lists(ManifestHost& host, const std::vector<std::string>& names, const bool ignore)
{
  return host.client.manifest_rm(names, ignore);
}

Result<bool>
list_exists(ManifestHost& host, const std::string& list)
{
  return host.client.manifest_exists(list);
}

} // namespace pma::app
