#pragma once

// A read-only registry client for `inspect` and the job's tag reads: it
// fetches a manifest exactly as the registry serves it (podman's API cannot
// return those bytes, see docs/api-experiments-inspect.md), and small blobs
// such as an image config. It never writes (writer.hpp does, for signatures
// and tag moves only): images are pushed by podman.

#include <pma/auth/credentials.hpp>
#include <pma/oci/platform.hpp>
#include <pma/oci/reference.hpp>
#include <pma/transport/http.hpp>
#include <pma/util/error.hpp>

#include <cstddef>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pma::registry {

// containers/image refuses manifests above 4 MiB; so do we.
inline constexpr size_t k_max_manifest_size = size_t{4} << 20;
// A token answer is a JWT or two (a few KiB at Docker Hub, quay.io, ghcr.io).
inline constexpr size_t k_max_token_size = size_t{64} << 10;
// A tag list: about 50,000 tags.
inline constexpr size_t k_max_tag_list_size = size_t{1} << 20;
// An error answer is read for its message: {"errors":[…]} is under 1 KiB.
inline constexpr size_t k_max_error_size = size_t{64} << 10;

struct Manifest {
  std::string bytes;      // exactly as served
  std::string media_type; // Content-Type, else the body's "mediaType"
  std::string digest;     // "sha256:" + sha256(bytes)
};

// Where containers/image looks for per-registry TLS files, in order:
// ~/.config/containers/certs.d (when not root), /etc/containers/certs.d,
// /etc/docker/certs.d. The first one holding a HOST[:PORT] directory wins.
std::vector<std::filesystem::path> default_cert_roots();

// TLS trust for `registry` ("host[:port]") from the first matching certs.d
// directory: every *.crt is a CA, a *.cert/*.key pair a client certificate.
transport::TlsSettings tls_settings_for(std::string_view registry, const std::vector<std::filesystem::path>& roots);

// A WWW-Authenticate challenge: scheme ("bearer", "basic") and its parameters.
struct Challenge {
  std::string scheme;
  std::map<std::string, std::string> params;
};
Challenge parse_challenge(std::string_view header);

using HttpFactory = std::function<std::unique_ptr<transport::HttpClient>(const transport::Endpoint&)>;

struct ReaderOptions {
  bool tls_verify = true; // false: unverified HTTPS, then plain HTTP (podman's --tls-verify=false)
  std::vector<std::filesystem::path> cert_roots = default_cert_roots();
  HttpFactory http;  // empty: real connections (tests inject fakes)
  bool push = false; // ask for write access too (token scope "pull,push"): registry::Writer
};

class Reader {
public:
  Reader(const auth::CredentialStore& credentials, ReaderOptions options);

  // GET /v2/<repository>/manifests/<tag|digest>. A reference by digest is
  // checked against the bytes. Errors say what is missing (repository, tag),
  // or why access was refused.
  util::Result<Manifest> manifest(const oci::ImageRef& ref);

  // manifest(), with nullopt where the registry has no such tag or digest
  // (`missing_code`, if given, gets the registry's error code for that).
  util::Result<std::optional<Manifest>> find(const oci::ImageRef& ref, std::string* missing_code = nullptr);

  // GET /v2/<repository>/blobs/<digest>, at most `limit` bytes, checked
  // against the digest; follows the registry's redirect to its storage.
  util::Result<std::string> blob(const oci::ImageRef& repository, const std::string& digest, size_t limit);

  // GET /v2/<repository>/tags/list (the first page).
  util::Result<std::vector<std::string>> tags(const oci::ImageRef& repository);

  // The platform of a single image `manifest` of `repository`, from its config blob.
  util::Result<oci::Platform> platform_of(const oci::ImageRef& repository, const Manifest& manifest);

protected:
  // One request to `ref`'s registry: a target relative to /v2/<repository>/
  // (or a whole /v2/… path), with the credentials it asks for, the TLS trust
  // of certs.d, and --tls-verify=false's plain-HTTP fallback. Any status is a
  // result, except 401/403 after authenticating (class auth).
  util::Result<transport::HttpResponse> call(const oci::ImageRef& ref, transport::HttpRequest request, size_t limit);
  util::Result<transport::HttpResponse> send(const std::string& host_port, bool https, transport::HttpRequest request,
                                             size_t limit) const;
  // Whether this registry turned out to speak plain HTTP (--tls-verify=false).
  bool
  plain_http() const
  {
    return m_plain_http;
  }

private:
  util::Result<transport::HttpResponse> get(const oci::ImageRef& ref, const std::string& path,
                                            const std::string& accept, size_t limit);
  util::Error not_found(const oci::ImageRef& ref, const std::string& code);
  util::Result<void> authenticate(const oci::ImageRef& ref, const std::string& challenge_header);
  util::Result<transport::Endpoint> endpoint_for(const std::string& host_port, bool https) const;

  // The connections kept open, per scheme, host and port: one TLS handshake
  // per registry, not per request. A copy starts with none (copies serve
  // other threads).
  struct Connections {
    Connections() = default;
    Connections(const Connections& /*other*/) {}
    Connections&
    operator=(const Connections& /*other*/)
    {
      return *this;
    }
    std::map<std::string, std::unique_ptr<transport::HttpClient>> open;
  };

  const auth::CredentialStore& m_credentials;
  ReaderOptions m_options;
  mutable Connections m_connections;
  bool m_plain_http = false; // --tls-verify=false and the registry does not speak TLS
  // "Bearer …" (scoped to one repository) or "Basic …", per registry/repository,
  // once a challenge was answered.
  std::map<std::string, std::string> m_authorization;
};

} // namespace pma::registry
