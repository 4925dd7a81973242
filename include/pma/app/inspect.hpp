#pragma once

#include <pma/app/selection.hpp>
#include <pma/libpod/client.hpp>
#include <pma/oci/platform.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/error.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

// `inspect IMAGE`: what a registry serves for a reference, read from the
// registry itself (GETs only) or, for registries only the build hosts reach,
// through a host's podman, whose API cannot report everything
// (docs/api-experiments-inspect.md).
namespace pma::app {

using Annotations = std::map<std::string, std::string>;

// One entry of an index, or the single image.
struct InspectEntry {
  oci::Platform platform; // empty fields: the entry names no platform
  std::string digest;
  std::string media_type;
  int64_t size = 0;
  std::optional<Annotations> annotations; // nullopt: the source cannot tell
};

// What a reference names. Optional fields are unknown to the source (a
// podman host cannot report an index's digest, for example), which the views
// show as "n/a" instead of pretending there is nothing.
// --verify-key: which manifests have a valid signature by the key.
struct SignatureCheck {
  std::string key;           // the public key file, as given
  std::string identity;      // what a signature must claim; "" (a digest reference): any tag of the repository
  std::optional<bool> index; // nullopt: a single image
  std::vector<bool> rows;    // per Inspection::rows entry

  bool
  all() const
  {
    return index.value_or(true) && std::all_of(rows.begin(), rows.end(), [](bool valid) { return valid; });
  }
};

struct Inspection {
  std::string reference;
  std::string source;                     // "registry 127.0.0.1:5000", "host amd64 (podman 4.3.1)"
  std::optional<std::string> digest;      // of the manifest the reference names
  std::optional<std::string> media_type;  // of that manifest
  std::optional<int64_t> size;            // of that manifest, in bytes
  std::optional<bool> is_list;            // nullopt: one entry, list or single image unknown
  std::optional<Annotations> annotations; // of the index
  std::vector<InspectEntry> rows;
  std::string raw; // InspectRequest::raw: the registry's bytes, unchanged (nothing else is set)
  std::optional<SignatureCheck> signatures; // InspectRequest::verify_key
};

struct InspectRequest {
  oci::ImageRef ref;
  auth::AuthOptions auth_options; // --authfile, --creds
  bool tls_verify = true;
  bool raw = false;               // the manifest's bytes only
  std::optional<HostChoice> host; // read through the first host selected, not the registry
  // --verify-key: look for each manifest's sigstore signature by this public
  // key (registry reads only), as containers/image would.
  std::optional<std::filesystem::path> verify_key;
};

util::Result<Inspection> inspect(const InspectRequest& request);

// Reads `ref` through the podman service behind `client` (on host
// `host_name`): what its version can report.
util::Result<Inspection> inspect_through(libpod::LibpodClient& client, const std::string& host_name,
                                         const oci::ImageRef& ref, const auth::CredentialStore& credentials,
                                         bool tls_verify);

// What `inspection` leaves unknown ("digest", "media type", "annotations",
// "whether it is a list or a single image"), for a note under the table.
std::vector<std::string> unknown_fields(const Inspection& inspection);

} // namespace pma::app
