// inspect IMAGE (include/pma/app/inspect.hpp).
#include <pma/app/inspect.hpp>
#include <pma/job/signer.hpp>
#include <pma/oci/index.hpp>
#include <pma/registry/reader.hpp>
#include <pma/sign/key.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <random>

namespace pma::app {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

InspectEntry
entry_of(const oci::IndexEntry& entry, const bool annotations_known)
{
  return {entry.platform, entry.digest, entry.media_type, entry.size,
          annotations_known ? std::optional(entry.annotations) : std::nullopt};
}

// Straight from the registry: everything is known.
Result<Inspection>
inspect_registry(const oci::ImageRef& ref, const auth::CredentialStore& credentials, const bool tls_verify,
                 const bool raw)
{
  registry::Reader reader(credentials, {.tls_verify = tls_verify});
  PMA_TRY_ASSIGN(auto manifest, reader.manifest(ref));
  if (raw) {
    return Inspection{.raw = std::move(manifest.bytes)};
  }
  PMA_TRY_ASSIGN(const auto index, oci::parse_index(manifest.bytes));
  Inspection inspection{.reference = ref.to_string(),
                        .source = "registry " + ref.registry,
                        .digest = manifest.digest,
                        .media_type = manifest.media_type,
                        .size = static_cast<int64_t>(manifest.bytes.size()),
                        .is_list = index.is_list,
                        .annotations = index.annotations};
  if (index.is_list) {
    for (const auto& entry : index.manifests) {
      inspection.rows.push_back(entry_of(entry, true));
    }
    return inspection;
  }
  PMA_TRY_ASSIGN(const auto platform, reader.platform_of(ref, manifest));
  inspection.rows.push_back({platform, manifest.digest, manifest.media_type, *inspection.size, index.annotations});
  return inspection;
}

Result<SignatureCheck>
check_signatures(const oci::ImageRef& ref, const Inspection& inspection, const std::filesystem::path& key_file,
                 const auth::CredentialStore& credentials, const bool tls_verify)
{
  PMA_TRY_ASSIGN(const std::string pem, util::read_file(key_file));
  PMA_TRY_ASSIGN(const auto key, sign::PublicKey::parse(pem, key_file.string()));
  registry::Reader reader(credentials, {.tls_verify = tls_verify});
  SignatureCheck check{key_file.string(), ref.digest.empty() ? job::signature_identity(ref) : "", std::nullopt, {}};
  if (inspection.is_list.value_or(false)) {
    PMA_TRY_ASSIGN(check.index, job::has_signature(reader, ref, *inspection.digest, check.identity, key));
  }
  for (const auto& row : inspection.rows) {
    PMA_TRY_ASSIGN(const bool valid, job::has_signature(reader, ref, row.digest, check.identity, key));
    check.rows.push_back(valid);
  }
  return check;
}

// podman < 4.6 ignores credentials when inspecting a registry reference, and
// 5.x refuses single images: a temporary local list, filled from the
// reference, reads the entries (digest, size, platform) with credentials.
Result<oci::Index>
read_via_temporary_list(libpod::LibpodClient& client, const std::string& reference, const std::string& auth_header,
                        const bool tls_verify)
{
  std::random_device random;
  const std::string list = fmt::format("localhost/podman-multiarch-inspect-{:08x}", random());
  PMA_TRY(client.manifest_create(list));
  libpod::ManifestAddRequest add{.image = oci::with_docker_transport(reference), .all = true};
  add.auth_header = auth_header;
  add.tls_verify = tls_verify;
  auto added = client.manifest_add(list, add);
  auto index = added ? client.manifest_inspect(list, "", std::nullopt) : util::Unexpected(added.error());
  if (auto removed = client.manifest_delete(list); !removed) {
    util::log::warn("could not remove the temporary list {}: {}", list, removed.error().describe());
  }
  PMA_TRY_ASSIGN(auto found, std::move(index));
  if (!found) {
    return util::fail(ErrorClass::api, fmt::format("the temporary list {} vanished", list));
  }
  return std::move(*found);
}

} // namespace

Result<Inspection>
inspect_through(libpod::LibpodClient& client, const std::string& host_name, const oci::ImageRef& ref,
                const auth::CredentialStore& credentials, const bool tls_verify)
{
  const auto& caps = client.capabilities();
  const std::string reference = ref.to_string();
  Inspection inspection{.reference = reference,
                        .source = fmt::format("host {} (podman {})", host_name, caps.version.to_string())};

  if (caps.manifest_inspect_auth) {
    auto index = client.manifest_inspect(reference, credentials.header_for({ref.name()}), tls_verify);
    if (index && !*index) {
      return util::fail(ErrorClass::registry,
                        fmt::format("{}: no such image in the registry (as read by host {})", reference, host_name));
    }
    const bool single_oci =
        !index && index.error().message.find("single images as manifest lists") != std::string::npos;
    if (!index && !single_oci) {
      return util::Unexpected(std::move(index).error());
    }
    if (index && (*index)->is_list) {
      inspection.is_list = true;
      inspection.media_type = caps.oci_inspect_media_type ? std::optional((*index)->media_type) : std::nullopt;
      inspection.annotations = caps.index_annotations_create ? std::optional((*index)->annotations) : std::nullopt;
      for (const auto& entry : (*index)->manifests) {
        inspection.rows.push_back(entry_of(entry, caps.instance_annotation_map));
      }
      return inspection;
    }
    inspection.is_list = false; // a single image: its digest and platform come from a temporary list
  }
  auto index = read_via_temporary_list(client, reference, credentials.header_for({ref.name()}), tls_verify);
  if (!index && index.error().message.find("manifest unknown") != std::string::npos) {
    return util::fail(ErrorClass::registry,
                      fmt::format("{}: no such image in the registry (as read by host {})", reference, host_name));
  }
  if (!index) {
    return util::Unexpected(std::move(index).error());
  }
  for (const auto& entry : index->manifests) {
    inspection.rows.push_back(entry_of(entry, false));
  }
  if (inspection.is_list && !*inspection.is_list && inspection.rows.size() == 1) {
    inspection.digest = inspection.rows.front().digest; // the single image's manifest is the entry
    inspection.media_type = inspection.rows.front().media_type;
    inspection.size = inspection.rows.front().size;
  }
  return inspection;
}

Result<Inspection>
inspect(const InspectRequest& request)
{
  PMA_TRY_ASSIGN(const auto credentials, load_credentials(request.auth_options));
  if (!request.host) {
    PMA_TRY_ASSIGN(auto inspection, inspect_registry(request.ref, credentials, request.tls_verify, request.raw));
    if (request.verify_key) {
      PMA_TRY_ASSIGN(inspection.signatures,
                     check_signatures(request.ref, inspection, *request.verify_key, credentials, request.tls_verify));
    }
    return inspection;
  }
  if (request.verify_key) {
    return util::Unexpected(Error(ErrorClass::usage,
                                  "--verify-key reads the signatures from the registry, which --host does not",
                                  "drop --host to read the registry directly"));
  }
  if (request.raw) {
    return util::Unexpected(Error(ErrorClass::usage,
                                  "--raw needs the registry's bytes, which podman's API does not return (it "
                                  "re-encodes manifests)",
                                  "drop --host to read the registry directly"));
  }
  PMA_TRY_ASSIGN(const auto selection, select_hosts(*request.host));
  PMA_TRY_ASSIGN(const auto session, hosts::open_session(selection.hosts.front(), selection.connect));
  return inspect_through(session->client(), session->host().name, request.ref, credentials, request.tls_verify);
}

std::vector<std::string>
unknown_fields(const Inspection& inspection)
{
  std::vector<std::string> missing;
  if (!inspection.digest) {
    missing.emplace_back("digest");
  }
  if (!inspection.media_type) {
    missing.emplace_back("media type");
  }
  const bool rows_known = std::all_of(inspection.rows.begin(), inspection.rows.end(),
                                      [](const auto& row) { return row.annotations.has_value(); });
  if ((inspection.is_list.value_or(true) && !inspection.annotations) || !rows_known) {
    missing.emplace_back("annotations");
  }
  if (!inspection.is_list) {
    missing.emplace_back("whether it is a list or a single image");
  }
  return missing;
}

} // namespace pma::app
