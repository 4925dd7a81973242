// Registry writes for signatures and tag moves (writer.hpp): blob uploads,
// manifest PUT, tag removal.
#include <pma/oci/digest.hpp>
#include <pma/oci/media_types.hpp>
#include <pma/registry/writer.hpp>
#include <pma/transport/failures.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "http_url.hpp"

namespace pma::registry {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

constexpr size_t k_max_answer = size_t{64} << 10;

ReaderOptions
with_push(ReaderOptions options)
{
  options.push = true;
  return options;
}

Error
refused(const oci::ImageRef& ref, const std::string& what, const transport::HttpResponse& response)
{
  const auto [code, message] = detail::registry_error(response.body);
  return Error(ErrorClass::registry, fmt::format("{}: {} answered {}{}", ref.name(), what, response.status,
                                                 message.empty() ? "" : ": " + message))
      .with_transient(response.status == 429 || response.status >= 500 ||
                      transport::mentions_transient_failure(message));
}

} // namespace

Writer::Writer(const auth::CredentialStore& credentials, ReaderOptions options)
  : Reader(credentials, with_push(std::move(options)))
{
}

Result<std::string>
Writer::put_blob(const oci::ImageRef& repository, const std::string_view bytes, const bool skip_if_present)
{
  const std::string digest = oci::digest_of(bytes);
  if (skip_if_present) {
    PMA_TRY_ASSIGN(const auto head, call(repository, {.method = "HEAD", .target = "blobs/" + digest}, k_max_answer));
    if (head.status == 200) {
      return digest;
    }
  }
  // A monolithic upload in the POST (OCI distribution; one request where a
  // registry takes it, 201), else the POST starts an upload (202) the PUT ends.
  PMA_TRY_ASSIGN(const auto started, call(repository,
                                          {.method = "POST",
                                           .target = "blobs/uploads/?digest=" + digest,
                                           .body = std::string(bytes),
                                           .content_type = "application/octet-stream"},
                                          k_max_answer));
  if (started.status == 201) {
    return digest;
  }
  if (started.status != 202) {
    return util::Unexpected(refused(repository, "starting a blob upload", started));
  }
  // The upload's URL, absolute or not, usually with a query of its own.
  std::string location = started.header("Location");
  const auto absolute = detail::parse_http_url(location);
  const bool here = !absolute || absolute->host_port == detail::api_host(repository.registry);
  std::string target = absolute ? absolute->target : location;
  if (!target.starts_with("/v2/")) {
    return util::fail(ErrorClass::protocol, fmt::format("{}: the registry gave no usable upload location ('{}')",
                                                        repository.name(), location.substr(0, 80)));
  }
  target += (target.find('?') == std::string::npos ? "?" : "&") + std::string("digest=") + digest;
  transport::HttpRequest put{
      .method = "PUT", .target = target, .body = std::string(bytes), .content_type = "application/octet-stream"};
  // An upload URL on another host (blob storage) carries its own authorisation.
  auto stored = here ? call(repository, std::move(put), k_max_answer)
                     : send(absolute->host_port, absolute->https, std::move(put), k_max_answer);
  if (!stored) {
    return util::Unexpected(std::move(stored).error());
  }
  if (stored->status != 201) {
    return util::Unexpected(refused(repository, "uploading blob " + digest, *stored));
  }
  return digest;
}

Result<std::string>
Writer::put_manifest(const oci::ImageRef& ref, const std::string& media_type, const std::string& bytes)
{
  const std::string reference = !ref.digest.empty() ? ref.digest : (ref.tag.empty() ? "latest" : ref.tag);
  const std::string digest = oci::digest_of(bytes);
  PMA_TRY_ASSIGN(const auto response,
                 call(ref,
                      {.method = "PUT", .target = "manifests/" + reference, .body = bytes, .content_type = media_type},
                      k_max_answer));
  if (response.status != 201 && response.status != 200) {
    return util::Unexpected(refused(ref, "writing manifest " + reference, response));
  }
  const std::string announced = response.header("Docker-Content-Digest");
  if (announced.starts_with("sha256:") && announced != digest) {
    return util::fail(ErrorClass::protocol,
                      fmt::format("{} stored {} as {}, not {}", ref.registry, reference, announced, digest));
  }
  return digest;
}

Result<bool>
Writer::remove_tag(const oci::ImageRef& ref, const std::string& note)
{
  const std::string tag = ref.tag.empty() ? "latest" : ref.tag;
  PMA_TRY_ASSIGN(const auto direct, call(ref, {.method = "DELETE", .target = "manifests/" + tag}, k_max_answer));
  if (direct.status == 202 || direct.status == 200 || direct.status == 404) {
    return true;
  }
  // distribution 2.x takes only digests, and deletes the tags of what it deletes.
  PMA_TRY_ASSIGN(const std::string config, put_blob(ref, "{}"));
  const nlohmann::json placeholder = {
      {"schemaVersion", 2},
      {"mediaType", oci::media_type::oci_manifest},
      {"config", {{"mediaType", "application/vnd.oci.image.config.v1+json"}, {"digest", config}, {"size", 2}}},
      {"layers", nlohmann::json::array()},
      {"annotations", {{"io.podman-multiarch.removed-tag", tag}, {"io.podman-multiarch.note", note}}}};
  PMA_TRY_ASSIGN(const std::string digest,
                 put_manifest(ref, std::string(oci::media_type::oci_manifest), placeholder.dump()));
  PMA_TRY_ASSIGN(const auto deleted, call(ref, {.method = "DELETE", .target = "manifests/" + digest}, k_max_answer));
  if (deleted.status == 202 || deleted.status == 200) {
    return true;
  }
  if (deleted.status == 405 || detail::registry_error(deleted.body).first == "UNSUPPORTED") {
    return false;
  }
  return util::Unexpected(refused(ref, "deleting " + digest, deleted));
}

} // namespace pma::registry
