// libpod client: manifest lists (docs/api-experiments.md §4–5).
#include <pma/api/reference.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include "client.hpp"

namespace pma::api {

using nlohmann::json;
using util::Error;
using util::ErrorClass;
using util::Result;

namespace detail {

namespace {

// The platform fields and annotations of one list entry, as the update and
// annotate operations take them; empty fields are left out (podman then
// keeps what the image says).
void
put_entry_fields(json& body, const Platform& platform, const std::string& os_version,
                 const std::vector<std::string>& os_features, const std::vector<std::string>& features,
                 const std::vector<std::string>& annotations)
{
  const std::pair<const char*, const std::string*> fields[] = {{"os", &platform.os},
                                                               {"arch", &platform.architecture},
                                                               {"variant", &platform.variant},
                                                               {"os_version", &os_version}};
  for (const auto& [key, value] : fields) {
    if (!value->empty()) {
      body[key] = *value;
    }
  }
  if (!os_features.empty()) {
    body["os_features"] = os_features;
  }
  if (!features.empty()) {
    body["features"] = features;
  }
  if (!annotations.empty()) {
    body["annotation"] = annotations; // the array form: every version applies it
  }
}

} // namespace

Result<void>
Client::manifest_create(const std::string& name, const std::vector<std::string>& index_annotations, const bool amend)
{
  if (!m_caps) {
    return not_negotiated();
  }
  Query query;
  if (amend) {
    if (!m_caps->manifest_amend) {
      return util::Unexpected(
          tag(Error(ErrorClass::api, fmt::format("--amend needs podman 4.3 or newer (this host runs {})",
                                                 m_caps->version.to_string()))));
    }
    query.add_bool("amend", true);
  }
  if (!index_annotations.empty()) {
    if (!m_caps->index_annotations_create) {
      return util::Unexpected(
          tag(Error(ErrorClass::api, fmt::format("index annotations need podman 5.0 or newer (this host runs {}); "
                                                 "older versions accept and ignore them",
                                                 m_caps->version.to_string()))));
    }
    for (const auto& annotation : index_annotations) {
      query.add("annotation", annotation);
    }
  }
  // No body: on 4.x a body without images is a 500 that still creates the list.
  auto response = call({.method = "POST", .target = path("/manifests/" + transport::url_encode(name)) + query.text()},
                       "manifest create");
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  return {};
}

Result<void>
Client::manifest_add(const std::string& name, const ManifestAddRequest& request)
{
  if (!m_caps) {
    return not_negotiated();
  }
  Query query;
  if (request.tls_verify) {
    query.add_bool("tlsVerify", *request.tls_verify);
  }
  json body = {{"operation", "update"}, {"images", json::array({request.image})}};
  if (request.all) {
    body["all"] = true;
  }
  put_entry_fields(body, request.platform, request.os_version, request.os_features, request.features,
                   request.annotations);
  transport::HttpRequest http{.method = "PUT",
                              .target = path("/manifests/" + transport::url_encode(name)) + query.text()};
  http.body = body.dump();
  http.content_type = "application/json"; // a form content type makes podman read an empty body
  if (!request.auth_header.empty()) {
    http.headers.emplace_back("X-Registry-Auth", request.auth_header);
  }
  auto response = call(http, "adding " + request.image + " to the list");
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  return {};
}

Result<std::string>
Client::manifest_push(const std::string& name, const ManifestPushRequest& request)
{
  if (!m_caps) {
    return not_negotiated();
  }
  Query query;
  query.add_bool("all", request.all);
  if (m_caps->manifest_push_quiet_param) {
    query.add_bool("quiet", true);
    query.add("format", request.format == "docker" ? "v2s2" : "oci");
  }
  if (request.tls_verify) {
    query.add_bool("tlsVerify", *request.tls_verify);
  }
  transport::HttpRequest http{.method = "POST",
                              .target = path("/manifests/" + transport::url_encode(name) + "/registry/" +
                                             transport::url_encode("docker://" + request.destination)) +
                                        query.text()};
  if (!request.auth_header.empty()) {
    http.headers.emplace_back("X-Registry-Auth", request.auth_header);
  }
  http.idle_timeout = std::chrono::minutes(10);
  auto response = call(http, "manifest push to " + request.destination);
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  const auto body = json::parse(response->body, nullptr, /*allow_exceptions=*/false);
  const std::string digest = body.is_object() ? string_at(body, "Id") : std::string(util::trim(response->body));
  if (!is_sha256_digest(digest)) {
    return util::Unexpected(
        tag(Error(ErrorClass::protocol, fmt::format("manifest push to {} returned no digest", request.destination))));
  }
  return digest;
}

Result<void>
Client::manifest_delete(const std::string& name)
{
  auto response =
      call({.method = "DELETE", .target = path("/manifests/" + transport::url_encode(name))}, "manifest delete", true);
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  return {};
}

Result<bool>
Client::manifest_exists(const std::string& name)
{
  auto response = call({.method = "GET", .target = path("/manifests/" + transport::url_encode(name) + "/exists")},
                       "manifest exists", /*missing_is_ok=*/true);
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  return response->status != 404;
}

Result<void>
Client::manifest_annotate(const std::string& name, const ManifestAnnotateRequest& request)
{
  if (!m_caps) {
    return not_negotiated();
  }
  json body = {{"operation", "annotate"}};
  if (request.index) {
    if (!m_caps->index_annotate) {
      return util::Unexpected(tag(Error(ErrorClass::api, fmt::format("annotating the list itself needs podman 5.4 or "
                                                                     "newer (this host runs {})",
                                                                     m_caps->version.to_string()))));
    }
    std::map<std::string, std::string> annotations;
    for (const auto& annotation : request.annotations) {
      const size_t eq = annotation.find('=');
      annotations[annotation.substr(0, eq)] = eq == std::string::npos ? "" : annotation.substr(eq + 1);
    }
    body["index_annotations"] = annotations;
  } else {
    if (!request.annotations.empty() && !m_caps->instance_annotation_map) {
      return util::Unexpected(tag(Error(ErrorClass::api, fmt::format("annotating an entry needs podman 4.4 or newer "
                                                                     "(this host runs {}, which ignores it)",
                                                                     m_caps->version.to_string()))));
    }
    body["images"] = json::array({request.digest});
    put_entry_fields(body, Platform{request.os, request.architecture, request.variant}, request.os_version,
                     request.os_features, request.features, request.annotations);
  }
  transport::HttpRequest http{.method = "PUT", .target = path("/manifests/" + transport::url_encode(name))};
  http.body = body.dump();
  http.content_type = "application/json";
  auto response = call(http, "manifest annotate");
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  return {};
}

Result<void>
Client::manifest_remove(const std::string& name, const std::string& digest)
{
  transport::HttpRequest http{.method = "PUT", .target = path("/manifests/" + transport::url_encode(name))};
  http.body = json{{"operation", "remove"}, {"images", json::array({digest})}}.dump();
  http.content_type = "application/json";
  auto response = call(http, "manifest remove");
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  return {};
}

Result<std::optional<Index>>
Client::manifest_inspect(const std::string& reference, const std::string& auth_config, std::optional<bool> tls_verify)
{
  if (!m_caps) {
    return not_negotiated();
  }
  Query query;
  if (tls_verify && m_caps->manifest_inspect_tls_verify) {
    query.add_bool("tlsVerify", *tls_verify);
  }
  transport::HttpRequest http{
      .method = "GET", .target = path("/manifests/" + transport::url_encode(reference) + "/json") + query.text()};
  if (!auth_config.empty()) {
    http.headers.emplace_back("X-Registry-Auth", auth_config);
  }
  auto response = call(http, "reading " + reference, /*missing_is_ok=*/true);
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  if (response->status == 404) {
    // Inspect answers 404 for every failure: only some mean "no such image".
    const std::string text = util::to_lower(response->body);
    if (!mentions_auth_failure(text)) {
      for (const char* missing : {"manifest unknown", "name unknown", "not found"}) {
        if (text.find(missing) != std::string::npos) {
          return std::optional<Index>();
        }
      }
    }
    return util::Unexpected(tag(error_from_response(*response, "reading " + reference)));
  }
  auto index = parse_index(response->body);
  if (!index) {
    return util::Unexpected(tag(std::move(index).error()));
  }
  return std::optional<Index>(std::move(*index));
}

} // namespace detail

Result<Index>
parse_index(const std::string_view body)
{
  const auto root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) {
    return util::fail(ErrorClass::protocol, "unreadable manifest (not a JSON object)");
  }
  const auto annotations_of = [](const json& object) {
    std::map<std::string, std::string> out;
    if (const auto it = object.find("annotations"); it != object.end() && it->is_object()) {
      for (auto a = it->begin(); a != it->end(); ++a) {
        if (a.value().is_string()) {
          out[a.key()] = a.value().get<std::string>();
        }
      }
    }
    return out;
  };
  Index index;
  index.body = std::string(body);
  index.media_type = detail::string_at(root, "mediaType");
  index.annotations = annotations_of(root);
  const auto manifests = root.find("manifests");
  if (manifests == root.end() || !manifests->is_array()) {
    return index; // a single image's manifest
  }
  index.is_list = true;
  for (const auto& item : *manifests) {
    if (!item.is_object()) {
      return util::fail(ErrorClass::protocol, "unreadable manifest list entry");
    }
    IndexEntry entry;
    entry.digest = detail::string_at(item, "digest");
    entry.media_type = detail::string_at(item, "mediaType");
    if (const auto size = item.find("size"); size != item.end() && size->is_number_integer()) {
      entry.size = size->get<int64_t>();
    }
    if (const auto platform = item.find("platform"); platform != item.end() && platform->is_object()) {
      entry.platform =
          Platform::normalized(detail::string_at(*platform, "os"), detail::string_at(*platform, "architecture"),
                               detail::string_at(*platform, "variant"));
    }
    entry.annotations = annotations_of(item);
    index.manifests.push_back(std::move(entry));
  }
  return index;
}

} // namespace pma::api
