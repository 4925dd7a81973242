// Read-only registry access for `inspect` (distribution-spec GETs only).
#include <pma/oci/digest.hpp>
#include <pma/oci/media_types.hpp>
#include <pma/registry/reader.hpp>
#include <pma/transport/failures.hpp>
#include <pma/transport/limits.hpp>
#include <pma/transport/url.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>

#include "http_url.hpp"

namespace pma::registry {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

// "application/vnd.oci.image.index.v1+json; charset=utf-8" → the type alone.
std::string
bare_media_type(const std::string& content_type)
{
  return std::string(util::trim(content_type.substr(0, content_type.find(';'))));
}

} // namespace

namespace detail {

// The first error of a distribution-spec error body, as "CODE: message".
std::pair<std::string, std::string>
registry_error(const std::string& body)
{
  const auto root = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (root.is_object()) {
    if (const auto errors = root.find("errors"); errors != root.end() && errors->is_array() && !errors->empty()) {
      const auto& first = errors->front();
      return {first.value("code", ""), first.value("message", "")};
    }
  }
  return {"", std::string(util::trim(body.substr(0, 200)))};
}

std::string
api_host(const std::string& registry)
{
  return registry == "docker.io" ? "registry-1.docker.io" : registry;
}

std::optional<HttpUrl>
parse_http_url(const std::string_view text)
{
  const auto parts = transport::split_url(text);
  if (!parts || (parts->scheme != "https" && parts->scheme != "http") ||
      !transport::parse_host_port(parts->authority, "URL")) {
    return std::nullopt;
  }
  return HttpUrl{parts->scheme == "https", parts->authority, parts->target()};
}

} // namespace detail

Reader::Reader(const auth::CredentialStore& credentials, ReaderOptions options)
  : m_credentials(credentials)
  , m_options(std::move(options))
{
}

Result<transport::Endpoint>
Reader::endpoint_for(const std::string& host_port, const bool https) const
{
  PMA_TRY_ASSIGN(const auto address, transport::parse_host_port(host_port, "registry address " + host_port));
  transport::Endpoint endpoint;
  endpoint.host = address.host;
  endpoint.port = address.port != 0 ? address.port : (https ? 443 : 80);
  endpoint.label = host_port;
  if (https) {
    endpoint.tls = tls_settings_for(host_port, m_options.cert_roots);
    endpoint.tls.verify = m_options.tls_verify;
  }
  return endpoint;
}

Result<transport::HttpResponse>
Reader::send(const std::string& host_port, const bool https, transport::HttpRequest request, const size_t limit) const
{
  PMA_TRY_ASSIGN(auto endpoint, endpoint_for(host_port, https));
  const std::string connection = (https ? "https://" : "http://") + host_port;
  std::unique_ptr<transport::HttpClient> injected;
  transport::HttpClient* http = nullptr;
  bool reused = false; // a kept connection the registry may have closed since
  if (m_options.http) {
    injected = m_options.http(endpoint);
    http = injected.get();
  } else {
    auto& kept = m_connections.open[connection];
    reused = kept != nullptr;
    if (!kept) {
      endpoint.keep_alive = true;
      kept = transport::make_http_client(endpoint);
    }
    http = kept.get();
  }
  // A success body is collected here up to `limit`; an error body (read only
  // for its message) by the transport, up to k_max_error_size.
  transport::BodyCollector body(limit);
  request.on_data = [&body](const std::string_view piece) { return body.append(piece); };
  request.max_body = k_max_error_size;
  auto answer = http->send(request);
  if (!answer && reused && body.body().empty() &&
      (answer.error().cls == ErrorClass::connect || answer.error().cls == ErrorClass::protocol)) {
    // Closed by the registry while idle, as the request went out: once more, on a new connection.
    util::log::debug("{}: the kept connection failed ({}); again on a new one", endpoint.label, answer.error().message);
    endpoint.keep_alive = true;
    auto& kept = m_connections.open[connection];
    kept = transport::make_http_client(endpoint);
    answer = kept->send(request);
  }
  if (body.exceeded()) {
    return util::Unexpected(transport::body_too_large(
        endpoint.label, transport::describe_request(request.method, request.target), limit, 0));
  }
  if (!answer) {
    return util::Unexpected(std::move(answer).error()); // not PMA_TRY: that would copy the body
  }
  transport::HttpResponse response;
  response.status = answer->status;
  response.headers = std::move(answer->headers);
  response.body = response.status >= 400 ? std::move(answer->body) : std::move(body.body());
  return response;
}

Result<transport::HttpResponse>
Reader::get(const oci::ImageRef& ref, const std::string& path, const std::string& accept, const size_t limit)
{
  transport::HttpRequest request{.target = path};
  if (!accept.empty()) {
    request.headers.emplace_back("Accept", accept);
  }
  return call(ref, std::move(request), limit);
}

Result<transport::HttpResponse>
Reader::call(const oci::ImageRef& ref, transport::HttpRequest request, const size_t limit)
{
  const std::string host = detail::api_host(ref.registry);
  if (!request.target.starts_with("/v2/")) {
    request.target = "/v2/" + ref.repository + "/" + request.target;
  }
  const auto attempt = [&]() -> Result<transport::HttpResponse> {
    transport::HttpRequest authorized = request;
    if (const auto it = m_authorization.find(ref.name()); it != m_authorization.end()) {
      authorized.headers.emplace_back("Authorization", it->second);
    }
    auto response = send(host, !m_plain_http, authorized, limit);
    if (!response && !m_plain_http && !m_options.tls_verify && response.error().cls == ErrorClass::connect) {
      // --tls-verify=false also allows plain HTTP, as in containers/image.
      util::log::debug("{}: no HTTPS ({}), trying HTTP", host, response.error().message);
      m_plain_http = true;
      auto plain = send(host, false, authorized, limit);
      if (plain) {
        return plain;
      }
      m_plain_http = false;
    }
    return response;
  };
  auto response = attempt();
  if (!response && response.error().cls == ErrorClass::tls) {
    // containers/image's wording, which podman's users (and podman's tests) know.
    Error error = std::move(response).error();
    error.message = fmt::format("pinging container registry {}: x509: {}", ref.registry, error.message);
    return util::Unexpected(std::move(error));
  }
  if (!response && response.error().message.starts_with("TLS handshake") && response.error().hint.empty()) {
    return util::Unexpected(std::move(response).error().with_hint(
        fmt::format("if {} serves plain HTTP, --tls-verify=false allows it", ref.registry)));
  }
  if (response && response->status == 401 && !m_authorization.contains(ref.name())) {
    PMA_TRY(authenticate(ref, response->header("WWW-Authenticate")));
    response = attempt();
  }
  if (response && (response->status == 401 || response->status == 403)) {
    const auto source = m_credentials.source_of(ref.name());
    const auto [code, message] = detail::registry_error(response->body);
    const std::string read_or_write = m_options.push ? "write to" : "read";
    const std::string for_what = m_options.push ? "for writing to" : "for";
    if (source.empty()) {
      return util::Unexpected(Error(ErrorClass::auth,
                                    fmt::format("{} requires authentication to {} {} and no credentials were found "
                                                "for it",
                                                ref.registry, read_or_write, ref.repository),
                                    fmt::format("podman login {}, or --authfile / --creds", ref.registry)));
    }
    return util::Unexpected(Error(ErrorClass::auth,
                                  fmt::format("{} refused the credentials from {} {} {}{}", ref.registry, source,
                                              for_what, ref.repository, message.empty() ? "" : ": " + message),
                                  "check the user name and password (--creds USER:PASSWORD or --authfile FILE)"));
  }
  return response;
}

Result<Manifest>
Reader::manifest(const oci::ImageRef& ref)
{
  std::string missing_code;
  PMA_TRY_ASSIGN(auto found, find(ref, &missing_code));
  if (!found) {
    return util::Unexpected(not_found(ref, missing_code));
  }
  return std::move(*found);
}

Result<std::optional<Manifest>>
Reader::find(const oci::ImageRef& ref, std::string* missing_code)
{
  const std::string reference = !ref.digest.empty() ? ref.digest : (ref.tag.empty() ? "latest" : ref.tag);
  PMA_TRY_ASSIGN(auto response,
                 get(ref, "manifests/" + reference, std::string(oci::media_type::k_accept_any), k_max_manifest_size));
  if (response.status == 404) {
    if (missing_code != nullptr) {
      *missing_code = detail::registry_error(response.body).first;
    }
    return std::optional<Manifest>();
  }
  if (response.status != 200) {
    const auto [code, message] = detail::registry_error(response.body);
    // A proxy's "502 Bad Gateway" page, a "too many requests": worth another try.
    return util::Unexpected(
        Error(ErrorClass::registry, fmt::format("{}: the registry answered {}{}", ref.to_string(), response.status,
                                                message.empty() ? "" : ": " + message))
            .with_transient(transport::mentions_transient_failure(message)));
  }
  Manifest manifest;
  manifest.digest = oci::digest_of(response.body);
  manifest.media_type = bare_media_type(response.header("Content-Type"));
  manifest.bytes = std::move(response.body);
  if (manifest.media_type.empty() || manifest.media_type == "application/json" ||
      manifest.media_type == "application/octet-stream" || manifest.media_type == "text/plain") {
    const auto body = nlohmann::json::parse(manifest.bytes, nullptr, /*allow_exceptions=*/false);
    manifest.media_type = body.is_object() ? body.value("mediaType", manifest.media_type) : manifest.media_type;
  }
  const std::string announced = response.header("Docker-Content-Digest");
  if (!ref.digest.empty() && ref.digest != manifest.digest) {
    return util::fail(ErrorClass::protocol, fmt::format("{} served bytes with digest {} for {}", ref.registry,
                                                        manifest.digest, ref.to_string()));
  }
  if (announced.starts_with("sha256:") && announced != manifest.digest) {
    return util::fail(ErrorClass::protocol, fmt::format("{} announced digest {} but its bytes hash to {}", ref.registry,
                                                        announced, manifest.digest));
  }
  return std::optional<Manifest>(std::move(manifest));
}

Error
Reader::not_found(const oci::ImageRef& ref, const std::string& code)
{
  const std::string repository = ref.registry + "/" + ref.repository;
  if (!ref.digest.empty()) {
    return {ErrorClass::registry, fmt::format("{}: no manifest {} in {}", ref.to_string(), ref.digest, repository)};
  }
  // Registries answer MANIFEST_UNKNOWN for a missing repository too: the tag
  // list tells the two apart, and offers the tags there are.
  auto tags = code == "NAME_UNKNOWN" ? util::fail(ErrorClass::registry, "") : this->tags(ref);
  if (!tags) {
    return {ErrorClass::registry, fmt::format("{}: no such repository {}", ref.to_string(), repository)};
  }
  const std::string tag = ref.tag.empty() ? "latest" : ref.tag;
  std::string hint;
  if (tags->empty()) {
    hint = "the repository has no tags";
  } else if (const auto near = util::closest_match(tag, *tags)) {
    hint = fmt::format("did you mean {}:{}?", repository, *near);
  } else {
    const size_t shown = std::min<size_t>(tags->size(), 5);
    hint = fmt::format("its tags: {}{}", util::join({tags->begin(), tags->begin() + static_cast<long>(shown)}, ", "),
                       tags->size() > shown ? fmt::format(" (and {} more)", tags->size() - shown) : "");
  }
  return {ErrorClass::registry, fmt::format("{}: no tag {} in {}", ref.to_string(), tag, repository), hint};
}

Result<std::vector<std::string>>
Reader::tags(const oci::ImageRef& repository)
{
  PMA_TRY_ASSIGN(auto response, get(repository, "tags/list", "application/json", k_max_tag_list_size));
  const auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (response.status != 200 || !body.is_object()) {
    return util::fail(ErrorClass::registry, fmt::format("{}: no tag list", repository.name()));
  }
  std::vector<std::string> tags;
  if (const auto list = body.find("tags"); list != body.end() && list->is_array()) {
    for (const auto& tag : *list) {
      if (tag.is_string()) {
        tags.push_back(tag.get<std::string>());
      }
    }
  }
  return tags;
}

Result<std::string>
Reader::blob(const oci::ImageRef& repository, const std::string& digest, const size_t limit)
{
  auto response = get(repository, "blobs/" + digest, "", limit);
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  for (int hops = 0; hops < 5 && response->status >= 300 && response->status < 400; ++hops) {
    // Blob storage (S3, a CDN) lives elsewhere; the signed URL needs no token.
    std::string location = response->header("Location");
    if (location.starts_with('/')) {
      location =
          fmt::format("{}://{}{}", m_plain_http ? "http" : "https", detail::api_host(repository.registry), location);
    }
    const auto url = detail::parse_http_url(location);
    if (!url) {
      return util::fail(ErrorClass::protocol,
                        fmt::format("{} redirected {} without a usable location", repository.registry, digest));
    }
    response = send(url->host_port, url->https, transport::HttpRequest{.target = url->target}, limit);
    if (!response) {
      return util::Unexpected(std::move(response).error());
    }
  }
  if (response->status != 200) {
    return util::fail(ErrorClass::registry,
                      fmt::format("{}: reading blob {} answered {}", repository.name(), digest, response->status));
  }
  if (oci::digest_of(response->body) != digest) {
    return util::fail(ErrorClass::protocol,
                      fmt::format("{}: blob {} does not match its digest", repository.name(), digest));
  }
  return std::move(response->body);
}

Result<oci::Platform>
Reader::platform_of(const oci::ImageRef& repository, const Manifest& manifest)
{
  const auto body = nlohmann::json::parse(manifest.bytes, nullptr, /*allow_exceptions=*/false);
  const auto config = body.is_object() ? body.find("config") : body.end();
  if (config == body.end() || !config->is_object() || !config->contains("digest")) {
    return util::fail(ErrorClass::protocol, fmt::format("{}: the manifest names no config", repository.name()));
  }
  PMA_TRY_ASSIGN(auto blob, this->blob(repository, config->value("digest", ""), k_max_manifest_size));
  const auto image = nlohmann::json::parse(blob, nullptr, /*allow_exceptions=*/false);
  if (!image.is_object()) {
    return util::fail(ErrorClass::protocol, fmt::format("{}: unreadable image config", repository.name()));
  }
  return oci::Platform::normalized(image.value("os", ""), image.value("architecture", ""), image.value("variant", ""));
}

} // namespace pma::registry
