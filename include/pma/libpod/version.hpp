#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace pma::libpod {

struct Version {
  int major = 0;
  int minor = 0;
  int patch = 0;

  // "5.4.2", "4.3.1-dev", "v4.9.0-rc1": the numeric prefix counts.
  static std::optional<Version> parse(std::string_view text);
  std::string to_string() const;

  auto operator<=>(const Version&) const = default; // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads <=>
};

// The oldest podman whose libpod API podman-multiarch talks to.
inline constexpr Version k_min_server_version{4, 0, 0};

// What a podman service of a given version can do, so that callers ask a
// question ("can push report the digest?") instead of comparing versions.
// Boundaries: checked in podman's handler code at each release (docs/libpod-versions.md).
struct Capabilities {
  explicit Capabilities(Version version);

  Version version;
  bool manifest_push_route;         // 4.1: POST /manifests/{name}/registry/{dest} works
  bool manifest_modify_auth;        // 4.1: PUT /manifests honours tlsVerify and X-Registry-Auth
  bool build_tls_verify;            // 4.1: build reads tlsVerify
  bool push_quiet_param;            // 4.2: image push takes quiet=false (progress stream)
  bool manifest_amend;              // 4.3: create ?amend=true
  bool manifest_push_quiet_param;   // 4.3: manifest push takes quiet/format
  bool instance_annotation_map;     // 4.4: per-instance annotations (map) applied and shown by inspect
  bool manifest_inspect_tls_verify; // 4.4
  bool manifest_inspect_auth;       // 4.6
  bool push_compression_level;      // 4.6: manifest push takes compressionLevel
  bool push_add_compression;        // 4.7: manifest push takes addCompression, forceCompressionFormat
  bool host_variant;                // 4.8: /info reports host.variant
  bool push_digest;                 // 4.9: push returns manifestdigest; @@unknown-digest@@ destinations
  bool index_annotations_create;    // 5.0: create accepts index-level annotations
  bool manifest_artifacts;          // 5.0: PUT /manifests takes artifact files (multipart)
  bool comma_platforms;             // 5.3: one build platform= may list several
  bool oci_inspect_media_type;      // 5.3: inspect reports the real media type
  bool index_annotate;              // 5.4: PUT annotate with index_annotations
  bool manifest_delete_ignore;      // 5.4: DELETE ?ignore=true
  bool emulated_architectures;      // 5.6: /info reports host.emulatedArchitectures
};

} // namespace pma::libpod
