// libpod client: manifest lists (docs/api-experiments.md §4–5).
#include <pma/oci/digest.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <array>
#include <fstream>
#include <random>

#include "client_impl.hpp"

namespace pma::libpod {

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
put_entry_fields(json& body, const oci::Platform& platform, const std::string& os_version,
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

// The list's image ID from a create or modify answer ({"Id": …}).
Result<std::string>
list_id(const transport::HttpResponse& response, const std::string_view what)
{
  const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string id = body.is_object() ? string_at(body, "Id") : std::string();
  if (id.starts_with("sha256:")) {
    id.erase(0, 7);
  }
  if (id.empty()) {
    return util::fail(ErrorClass::protocol, fmt::format("{}: the service answered without the list's ID", what));
  }
  return id;
}

} // namespace

Result<std::string>
RestClient::manifest_create(const std::string& name, const std::vector<std::string>& index_annotations,
                            const bool amend)
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
  PMA_TRY_ASSIGN(auto response,
                 call({.method = "POST", .target = path("/manifests/" + transport::url_encode(name)) + query.text()},
                      "creating manifest " + name));
  return tagged(list_id(response, "manifest create"));
}

namespace {

// The request as multipart/form-data, as podman's client sends artifacts: the
// JSON first, then one part per file, streamed from disk.
transport::BodyStream
multipart_body(std::string json_text, std::vector<std::filesystem::path> files, std::string boundary)
{
  return [json_text = std::move(json_text), files = std::move(files),
          boundary = std::move(boundary)](const transport::BodyWriter& write) -> Result<void> {
    // A refused write: the transport reports the connection's error.
    const auto cut = [] { return util::fail(ErrorClass::connect, "the upload was cut off"); };
    const auto put = [&write](const std::string& text) { return write(text.data(), text.size()); };
    if (!put(fmt::format("--{}\r\nContent-Type: application/json\r\n\r\n{}\r\n", boundary, json_text))) {
      return cut();
    }
    std::array<char, 65536> buffer{};
    for (const auto& file : files) {
      const std::string name = file.filename().string();
      if (!put(fmt::format("--{}\r\nContent-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\n"
                           "Content-Type: application/octet-stream\r\n\r\n",
                           boundary, name, name))) {
        return cut();
      }
      std::ifstream in(file, std::ios::binary);
      while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.gcount() > 0 && !write(buffer.data(), static_cast<size_t>(in.gcount()))) {
          return cut();
        }
      }
      if (!put("\r\n")) {
        return cut();
      }
    }
    if (!put(fmt::format("--{}--\r\n", boundary))) {
      return cut();
    }
    return {};
  };
}

} // namespace

Result<std::string>
RestClient::manifest_add(const std::string& name, const ManifestAddRequest& request)
{
  if (!m_caps) {
    return not_negotiated();
  }
  Query query;
  if (request.tls_verify) {
    query.add_bool("tlsVerify", *request.tls_verify);
  }
  json body = {{"operation", "update"},
               {"images", request.image.empty() ? json::array() : json::array({request.image})}};
  if (request.all) {
    body["all"] = true;
  }
  put_entry_fields(body, request.platform, request.os_version, request.os_features, request.features,
                   request.annotations);
  transport::HttpRequest http{.method = "PUT",
                              .target = path("/manifests/" + transport::url_encode(name)) + query.text()};
  std::string what = fmt::format("adding {} to manifest list {}", request.image, name);
  if (const auto& artifact = request.artifact) {
    if (!m_caps->manifest_artifacts) {
      return util::Unexpected(tag(Error(ErrorClass::api, fmt::format("--artifact needs podman 5.0 or newer (this host "
                                                                     "runs {})",
                                                                     m_caps->version.to_string()))));
    }
    json names = json::array();
    for (const auto& file : artifact->files) {
      names.push_back(file.filename().string());
    }
    body["artifact_files"] = names;
    if (artifact->type) {
      body["artifact_type"] = *artifact->type;
    }
    const std::pair<const char*, const std::string*> fields[] = {{"artifact_layer_type", &artifact->layer_type},
                                                                 {"artifact_config_type", &artifact->config_type},
                                                                 {"artifact_config", &artifact->config},
                                                                 {"artifact_subject", &artifact->subject}};
    for (const auto& [key, value] : fields) {
      if (!value->empty()) {
        body[key] = *value;
      }
    }
    if (artifact->exclude_titles) {
      body["artifact_exclude_titles"] = true;
    }
    std::random_device random;
    const std::string boundary = fmt::format("podman-multiarch-{:08x}{:08x}", random(), random());
    http.content_type = "multipart/form-data; boundary=" + boundary;
    http.body_stream = multipart_body(body.dump(), artifact->files, boundary);
    what = "adding an artifact to manifest list " + name;
  } else {
    http.body = body.dump();
    http.content_type = "application/json"; // a form content type makes podman read an empty body
  }
  if (!request.auth_header.empty()) {
    http.headers.emplace_back("X-Registry-Auth", request.auth_header);
  }
  PMA_TRY_ASSIGN(auto response, call(http, what));
  return tagged(list_id(response, "manifest add"));
}

Result<std::string>
RestClient::manifest_push(const std::string& name, const ManifestPushRequest& request)
{
  if (!m_caps) {
    return not_negotiated();
  }
  const auto needs = [this](const bool capable, const char* option, const char* version) -> Result<void> {
    if (capable) {
      return {};
    }
    return util::Unexpected(tag(Error(ErrorClass::api, fmt::format("{} needs podman {} or newer (this host runs {})",
                                                                   option, version, m_caps->version.to_string()))));
  };
  Query query;
  query.add_bool("all", request.all); // the service's default is false, podman's CLI sends true
  const bool streamed = request.on_progress && m_caps->manifest_push_quiet_param;
  if (m_caps->manifest_push_quiet_param) {
    query.add_bool("quiet", !streamed);
    if (!request.format.empty()) {
      query.add("format", request.format == "docker" ? "v2s2" : "oci");
    }
  }
  if (request.remove_signatures) {
    query.add_bool("removeSignatures", true);
  }
  if (!request.compression_format.empty()) {
    query.add("compressionFormat", request.compression_format);
  }
  if (request.compression_level) {
    PMA_TRY(needs(m_caps->push_compression_level, "--compression-level", "4.6"));
    query.add("compressionLevel", std::to_string(*request.compression_level));
  }
  if (!request.add_compression.empty() || request.force_compression) {
    PMA_TRY(needs(m_caps->push_add_compression, "--add-compression/--force-compression", "4.7"));
    for (const auto& format : request.add_compression) {
      query.add("addCompression", format);
    }
    if (request.force_compression) {
      query.add_bool("forceCompressionFormat", *request.force_compression);
    }
  }
  if (request.tls_verify) {
    query.add_bool("tlsVerify", *request.tls_verify);
  }
  const std::string destination = oci::with_docker_transport(request.destination);
  transport::HttpRequest http{
      .method = "POST",
      .target = path("/manifests/" + transport::url_encode(name) + "/registry/" + transport::url_encode(destination)) +
                query.text()};
  if (!request.auth_header.empty()) {
    http.headers.emplace_back("X-Registry-Auth", request.auth_header);
  }
  http.idle_timeout = std::chrono::minutes(10);
  const std::string what = "manifest push to " + request.destination;
  std::string digest;
  if (streamed) {
    // {"stream": …} lines, then {"Id": digest} or {"error": …}, all after HTTP 200.
    PushStreamParser parser;
    PMA_TRY(stream(
        std::move(http), what, [&](std::string_view data) { return parser.feed(data, request.on_progress); },
        [] { return stream_line_too_long("manifest push"); }));
    parser.finish(request.on_progress);
    if (parser.error()) {
      return util::Unexpected(tag(stream_error(what + " failed", *parser.error())));
    }
    digest = parser.digest();
  } else {
    PMA_TRY_ASSIGN(auto response, call(http, what));
    const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
    digest = body.is_object() ? string_at(body, "Id") : std::string(util::trim(response.body));
  }
  if (!oci::is_sha256_digest(digest)) {
    return util::Unexpected(tag(Error(ErrorClass::protocol, fmt::format("{} returned no digest", what))));
  }
  return digest;
}

Result<void>
RestClient::manifest_delete(const std::string& name)
{
  PMA_TRY(
      call({.method = "DELETE", .target = path("/manifests/" + transport::url_encode(name))}, "manifest delete", true));
  return {};
}

Result<RemoveReport>
RestClient::manifest_rm(const std::vector<std::string>& names, const bool ignore)
{
  Query query;
  for (const auto& name : names) {
    query.add("images", name);
  }
  query.add_bool("lookupManifest", true);
  query.add_bool("ignore", ignore);
  PMA_TRY_ASSIGN(auto response,
                 call({.method = "DELETE", .target = path("/images/remove") + query.text()}, "manifest rm"));
  const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) {
    return util::Unexpected(tag(Error(ErrorClass::protocol, "unreadable manifest rm answer")));
  }
  RemoveReport report;
  const auto strings = [&body](const char* key) {
    std::vector<std::string> out;
    if (const auto it = body.find(key); it != body.end() && it->is_array()) {
      for (const auto& item : *it) {
        if (item.is_string()) {
          out.push_back(item.get<std::string>());
        }
      }
    }
    return out;
  };
  report.untagged = strings("Untagged");
  report.deleted = strings("Deleted");
  report.errors = strings("Errors");
  if (const auto code = body.find("ExitCode"); code != body.end() && code->is_number_integer()) {
    report.exit_code = code->get<int>();
  }
  return report;
}

Result<bool>
RestClient::manifest_exists(const std::string& name)
{
  PMA_TRY_ASSIGN(auto response,
                 call({.method = "GET", .target = path("/manifests/" + transport::url_encode(name) + "/exists")},
                      "manifest exists", /*missing_is_ok=*/true));
  return response.status != 404;
}

Result<std::string>
RestClient::manifest_annotate(const std::string& name, const ManifestAnnotateRequest& request)
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
    // The array form: podman 4.3 stores it (only its inspect does not show it), later versions too.
    body["images"] = json::array({request.digest});
    put_entry_fields(body, oci::Platform{request.os, request.architecture, request.variant}, request.os_version,
                     request.os_features, request.features, request.annotations);
  }
  transport::HttpRequest http{.method = "PUT", .target = path("/manifests/" + transport::url_encode(name))};
  http.body = body.dump();
  http.content_type = "application/json";
  PMA_TRY_ASSIGN(auto response, call(http, "annotating manifest list " + name));
  return tagged(list_id(response, "manifest annotate"));
}

Result<std::string>
RestClient::manifest_remove(const std::string& name, const std::string& digest)
{
  transport::HttpRequest http{.method = "PUT", .target = path("/manifests/" + transport::url_encode(name))};
  http.body = json{{"operation", "remove"}, {"images", json::array({digest})}}.dump();
  http.content_type = "application/json";
  PMA_TRY_ASSIGN(auto response, call(http, "removing from manifest list " + name));
  return tagged(list_id(response, "manifest remove"));
}

Result<std::optional<oci::Index>>
RestClient::manifest_inspect(const std::string& reference, const std::string& auth_config,
                             std::optional<bool> tls_verify)
{
  if (!m_caps) {
    return not_negotiated();
  }
  // What an older service would silently ignore is refused, naming the version needed.
  const auto needs = [&](const std::string& what, const char* version) {
    return util::Unexpected(
        tag(Error(ErrorClass::api, fmt::format("reading {} {} needs podman {} or newer (this host runs {}, which "
                                               "would ignore it)",
                                               reference, what, version, m_caps->version.to_string()))));
  };
  Query query;
  if (tls_verify) {
    if (!m_caps->manifest_inspect_tls_verify) {
      return needs(fmt::format("with --tls-verify={}", *tls_verify), "4.4");
    }
    query.add_bool("tlsVerify", *tls_verify);
  }
  if (!auth_config.empty() && !m_caps->manifest_inspect_auth) {
    return needs("with credentials", "4.6");
  }
  transport::HttpRequest http{.method = "GET",
                              .target = path("/manifests/" + transport::url_encode(reference) + "/json") + query.text(),
                              .max_body = k_max_manifest_body};
  if (!auth_config.empty()) {
    http.headers.emplace_back("X-Registry-Auth", auth_config);
  }
  PMA_TRY_ASSIGN(auto response, call(http, "reading " + reference, /*missing_is_ok=*/true));
  if (response.status == 404) {
    // Inspect answers 404 for every failure: only some mean "no such image".
    const std::string text = util::to_lower(response.body);
    if (!mentions_auth_failure(text)) {
      for (const char* missing : {"manifest unknown", "name unknown", "not found"}) {
        if (text.find(missing) != std::string::npos) {
          return std::optional<oci::Index>();
        }
      }
    }
    return util::Unexpected(tag(error_from_response(response, "reading " + reference)));
  }
  auto index = oci::parse_index(response.body);
  if (!index) {
    return util::Unexpected(tag(std::move(index).error()));
  }
  return std::optional<oci::Index>(std::move(*index));
}

} // namespace detail

} // namespace pma::libpod
