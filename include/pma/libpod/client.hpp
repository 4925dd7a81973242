#pragma once

#include <pma/libpod/build_settings.hpp>
#include <pma/libpod/streams.hpp>
#include <pma/libpod/version.hpp>
#include <pma/oci/index.hpp>
#include <pma/oci/platform.hpp>
#include <pma/transport/http.hpp>
#include <pma/util/error.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pma::libpod {

struct PingResult {
  Version api_version; // Libpod-API-Version
  std::chrono::microseconds round_trip{0};
};

struct HostInfo {
  std::string podman_version; // version.Version
  Version api_version;
  oci::Platform native;
  bool variant_inferred = false; // before 4.8 /info has no variant: arm64 → v8 is ours
  // host.emulatedArchitectures (podman ≥ 5.6); nullopt when the server cannot say.
  std::optional<std::vector<oci::Platform>> emulated;
  std::string kernel;
  std::string os_release;
  int cpus = 0; // host.cpus; 0: not reported
};

// POST /libpod/build. Registry credentials (registry_config) are only ever put in headers.
struct BuildRequest {
  oci::Platform platform;
  std::string platform_text; // platform= as sent; empty: platform.to_string()
  // More platforms built by the same request (platform= repeated: podman 4.3.1
  // refuses a comma list), each image an entry of the local list `manifest`.
  std::vector<std::string> more_platforms;
  std::string manifest;                          // manifest=: the local list the images are added to
  std::string containerfile;                     // dockerfile=, the Containerfile's path in the context tar
  std::vector<std::string> tags;                 // t=
  std::map<std::string, std::string> build_args; // buildargs=
  std::vector<std::string> labels;               // labels= ("k=v" or "k"), in command-line order
  std::vector<std::string> annotations;          // annotations= ("k=v")
  std::string target;
  std::optional<int> jobs; // stages built in parallel (0: unlimited)
  bool no_cache = false;
  bool layers = true; // libpod's default is false; podman's CLI sends true
  bool squash = false;
  bool remove = true;                  // rm=: intermediate containers after a successful build
  bool force_rm = true;                // forcerm=: also after a failed one
  std::string pull_policy = "missing"; // missing, always, ifnewer, never
  std::optional<bool> tls_verify;
  std::string output_format = "oci"; // oci or docker
  std::vector<std::string> excludes; // excludes=: the ignore rules the service's COPY applies
  std::vector<BuildSetting> settings;
  std::string registry_config; // X-Registry-Config value (base64url JSON)
  std::chrono::milliseconds idle_timeout{std::chrono::minutes(30)};

  bool operator==(const BuildRequest&) const = default;
};

struct ImageInfo {
  std::string id;
  std::string os;
  std::string architecture;
  std::string variant; // podman 4.3–5.4 do not report it: usually empty
};

// Push of one image. Where the service can (capabilities().push_digest), a
// destination of by_digest(repository) pushes by digest without a tag.
struct PushRequest {
  std::string image;       // local ID or name
  std::string destination; // registry reference
  std::string auth_header; // X-Registry-Auth value
  std::optional<bool> tls_verify;
  std::string format = "oci"; // oci or docker
};

// One entry added to a manifest list.
// `manifest add --artifact` (podman ≥ 5.0): files uploaded with the request,
// which the service wraps in an OCI artifact manifest added to the list.
struct ArtifactRequest {
  std::vector<std::filesystem::path> files; // uploaded as they are, named by their base name
  std::optional<std::string> type;          // artifactType; "" for none, unset for the default
  std::string layer_type;
  std::string config_type;
  std::string config; // the configuration blob's content
  bool exclude_titles = false;
  std::string subject;
};

struct ManifestAddRequest {
  std::string image; // "docker://registry/repo@sha256:…"; empty with an artifact
  bool all = false;  // add every instance of a list
  std::optional<ArtifactRequest> artifact;
  oci::Platform platform; // fields left empty are taken from the image
  std::string os_version;
  std::vector<std::string> os_features;
  std::vector<std::string> features;
  std::vector<std::string> annotations; // "k=v"
  std::string auth_header;
  std::optional<bool> tls_verify;
};

// An entry's platform fields and annotations (podman's --os, --arch, --variant,
// --os-version, --os-features, --features, --annotation KEY=VALUE).
struct EntryFields {
  std::string os;
  std::string architecture;
  std::string variant;
  std::string os_version;
  std::vector<std::string> os_features;
  std::vector<std::string> features;
  std::vector<std::string> annotations; // "k=v"

  // Whether none is set.
  bool
  empty() const
  {
    return os.empty() && architecture.empty() && variant.empty() && os_version.empty() && os_features.empty() &&
           features.empty() && annotations.empty();
  }
};

// `podman manifest annotate`: platform fields and annotations of one entry, or
// (index = true, podman ≥ 5.4) annotations of the list itself.
struct ManifestAnnotateRequest : EntryFields {
  std::string digest; // the entry's instance digest; empty with index = true
  bool index = false;
};

struct ManifestPushRequest {
  std::string destination; // "[TRANSPORT:]REFERENCE"; no transport means docker://
  bool all = false;        // also copy the instances
  std::string format;      // oci or docker; "" keeps the list's own type
  std::string auth_header;
  std::optional<bool> tls_verify;
  bool remove_signatures = false;
  std::string compression_format;           // gzip, zstd, zstd:chunked; "" the default
  std::optional<int> compression_level;     // podman ≥ 4.6
  std::vector<std::string> add_compression; // podman ≥ 4.7: extra instances compressed so
  std::optional<bool> force_compression;    // podman ≥ 4.7
  // Progress lines as the service copies (podman ≥ 4.3 streams them); empty: quiet.
  std::function<void(std::string_view)> on_progress;
};

// What DELETE /libpod/images/remove?lookupManifest=true (podman manifest rm) did.
struct RemoveReport {
  std::vector<std::string> untagged;
  std::vector<std::string> deleted;
  std::vector<std::string> errors;
  int exit_code = 0; // podman's: 1 when every error is "image not known"
};

// The libpod REST API of one podman service. Call ping() first: it negotiates
// the API version that every later call puts in its path.
class LibpodClient {
public:
  virtual ~LibpodClient() = default;

  // GET /_ping; refuses servers older than k_min_server_version.
  virtual util::Result<PingResult> ping() = 0;
  // GET /v{ver}/libpod/info.
  virtual util::Result<HostInfo> info() = 0;

  // Valid after a successful ping().
  virtual const Capabilities& capabilities() const = 0;

  // Streams the context from `context` and builds; `on_event` sees every log
  // line as it arrives. The result is the image ID. A failed step is an error
  // of class api carrying podman's message.
  virtual util::Result<std::string> build(const BuildRequest& request, const transport::BodyStream& context,
                                          const std::function<void(const BuildEvent&)>& on_event) = 0;

  virtual util::Result<ImageInfo> inspect_image(const std::string& image) = 0;

  // Pushes and returns the digest of the manifest the registry received:
  // libpod's manifestdigest (podman ≥ 4.9), else the compat route's
  // "digest:" status line.
  virtual util::Result<std::string> push_image(const PushRequest& request,
                                               const std::function<void(std::string_view)>& on_progress) = 0;

  // DELETE /libpod/images/{image}; not found is success.
  virtual util::Result<void> remove_image(const std::string& image) = 0;
  // POST /libpod/images/{image}/tag: `name` ("repo:tag") becomes a name of `image`.
  virtual util::Result<void> tag_image(const std::string& image, const std::string& name) = 0;
  // The IDs of the local images whose manifest digest is one of `digests`
  // (images/json?all=true: Digest, or one of Digests), by digest.
  virtual util::Result<std::map<std::string, std::string>>
  image_ids_by_digest(const std::vector<std::string>& digests) = 0;
  // Every name, matching `reference` (podman's reference filter: globs such as
  // "localhost/app-*"), of the images and lists that have one.
  virtual util::Result<std::vector<std::string>> image_names(const std::string& reference) = 0;

  // POST /libpod/manifests/{name} with no body (create ignores auth; add with
  // PUT). `index_annotations` ("k=v") need capabilities().index_annotations_create.
  // The verbs that change a list return its image ID, as podman prints it.
  virtual util::Result<std::string> manifest_create(const std::string& name,
                                                    const std::vector<std::string>& index_annotations = {},
                                                    bool amend = false) = 0;
  virtual util::Result<std::string> manifest_add(const std::string& name, const ManifestAddRequest& request) = 0;
  // Returns the digest of the pushed index.
  virtual util::Result<std::string> manifest_push(const std::string& name, const ManifestPushRequest& request) = 0;
  // DELETE /libpod/manifests/{name}; not found is success.
  virtual util::Result<void> manifest_delete(const std::string& name) = 0;
  // `podman manifest rm`: removes the lists (never the images they reference).
  virtual util::Result<RemoveReport> manifest_rm(const std::vector<std::string>& names, bool ignore) = 0;
  // GET /libpod/manifests/{name}/exists.
  virtual util::Result<bool> manifest_exists(const std::string& name) = 0;
  // PUT operation "annotate"; refuses what the service would silently ignore.
  virtual util::Result<std::string> manifest_annotate(const std::string& name,
                                                      const ManifestAnnotateRequest& request) = 0;
  // PUT operation "remove" of the entry with instance digest `digest`.
  virtual util::Result<std::string> manifest_remove(const std::string& name, const std::string& digest) = 0;
  // Reads a registry reference through the service; nullopt: it does not exist.
  // `auth_config` is the multi-registry X-Registry-Auth (base64url JSON map).
  virtual util::Result<std::optional<oci::Index>>
  manifest_inspect(const std::string& reference, const std::string& auth_config, std::optional<bool> tls_verify) = 0;
};

// The push destination that pushes to `repository` by digest, without a tag
// (podman ≥ 4.9): "repo@@unknown-digest@@", libpod's marker.
std::string by_digest(std::string_view repository);

// The repository of a by_digest() destination; nullopt for any other.
std::optional<std::string> by_digest_repository(std::string_view destination);

// A client speaking to the service behind `http`. `host_name` labels errors.
std::unique_ptr<LibpodClient> make_libpod_client(std::unique_ptr<transport::HttpClient> http, std::string host_name);

// Turns a non-2xx libpod response into an error: JSON bodies
// ({"cause","message","response"}) and plain-text router errors alike.
// Transient (Error::transient) for 429 and a 5xx of an overloaded upstream,
// or where podman's words say the registry or the network failed.
util::Error error_from_response(const transport::HttpResponse& response, std::string_view what);

// Parses the body of GET /libpod/info (exposed for tests).
util::Result<HostInfo> parse_info(std::string_view body, Version api_version);

} // namespace pma::libpod
