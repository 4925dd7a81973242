// libpod client: build, image inspect, push, remove (docs/api-experiments.md §1–3, §6).
#include <pma/oci/digest.hpp>
#include <pma/oci/media_types.hpp>
#include <pma/oci/reference.hpp>

#include <fmt/format.h>

#include "client_impl.hpp"

namespace pma::libpod {

namespace {

constexpr std::string_view k_unknown_digest = "@@unknown-digest@@";
constexpr size_t k_max_image_list_body = size_t{64} << 20;

} // namespace

std::string
by_digest(const std::string_view repository)
{
  return std::string(repository) + std::string(k_unknown_digest);
}

std::optional<std::string>
by_digest_repository(const std::string_view destination)
{
  if (!destination.ends_with(k_unknown_digest)) {
    return std::nullopt;
  }
  return std::string(destination.substr(0, destination.size() - k_unknown_digest.size()));
}

} // namespace pma::libpod

namespace pma::libpod::detail {

using nlohmann::json;
using util::Error;
using util::ErrorClass;
using util::Result;

Result<std::string>
RestClient::build(const BuildRequest& request, const transport::BodyStream& context,
                  const std::function<void(const BuildEvent&)>& on_event)
{
  if (!m_caps) {
    return not_negotiated();
  }
  if (const std::string why = unsupported(request.settings, m_caps->version); !why.empty()) {
    return util::Unexpected(tag(Error(ErrorClass::usage, why)));
  }
  Query query;
  query.add("dockerfile", request.containerfile);
  query.add("platform", request.platform_text.empty() ? request.platform.to_string() : request.platform_text);
  for (const auto& platform : request.more_platforms) {
    query.add("platform", platform);
  }
  if (!request.manifest.empty()) {
    query.add("manifest", request.manifest);
  }
  for (const auto& name : request.tags) {
    query.add("t", name);
  }
  if (!request.build_args.empty()) {
    query.add("buildargs", json(request.build_args).dump());
  }
  if (!request.labels.empty()) {
    query.add("labels", json(request.labels).dump()); // an array keeps their order, an object does not
  }
  if (!request.annotations.empty()) {
    query.add("annotations", json(request.annotations).dump()); // an array: an object is a 400
  }
  if (!request.target.empty()) {
    query.add("target", request.target);
  }
  if (request.jobs) {
    query.add("jobs", std::to_string(*request.jobs));
  }
  query.add_bool("nocache", request.no_cache);
  query.add_bool("layers", request.layers); // libpod's default is false; podman's CLI sends true
  if (request.squash) {
    query.add_bool("squash", true);
  }
  query.add("pullpolicy", request.pull_policy);
  query.add_bool("rm", request.remove);
  query.add_bool("forcerm", request.force_rm); // else a failed step leaves a working container behind
  query.add("outputformat", oci::media_type::manifest_for_format(request.output_format));
  if (request.tls_verify && m_caps->build_tls_verify) {
    query.add_bool("tlsVerify", *request.tls_verify);
  }
  if (!request.excludes.empty()) {
    query.add("excludes", json(request.excludes).dump());
  }
  add_build_settings(query, request.settings, m_caps->version);

  transport::HttpRequest http{.method = "POST", .target = path("/build") + query.text()};
  http.content_type = "application/x-tar";
  if (!request.registry_config.empty()) {
    http.headers.emplace_back("X-Registry-Config", request.registry_config);
  }
  http.body_stream = context;
  http.idle_timeout = request.idle_timeout;
  BuildStreamParser parser;
  PMA_TRY(stream(
      std::move(http), "build", [&](std::string_view data) { return parser.feed(data, on_event); },
      [] { return stream_line_too_long("build"); }));
  parser.finish(on_event);
  if (parser.error()) {
    return util::Unexpected(tag(stream_error("build failed", *parser.error())));
  }
  if (parser.image_id().empty()) {
    return util::Unexpected(
        tag(Error(ErrorClass::protocol, "the build stream ended without an image ID (connection cut short?)")
                .with_transient()));
  }
  return parser.image_id();
}

Result<ImageInfo>
RestClient::inspect_image(const std::string& image)
{
  PMA_TRY_ASSIGN(const auto response, call({.method = "GET",
                                            .target = path("/images/" + transport::url_encode(image) + "/json"),
                                            .max_body = transport::k_default_max_body},
                                           "image inspect"));
  const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (!body.is_object()) {
    return util::Unexpected(tag(Error(ErrorClass::protocol, "unreadable image inspect response")));
  }
  return ImageInfo{string_at(body, "Id"), string_at(body, "Os"), string_at(body, "Architecture"),
                   string_at(body, "Variant")};
}

Result<std::string>
RestClient::push_image(const PushRequest& request, const std::function<void(std::string_view)>& on_progress)
{
  if (!m_caps) {
    return not_negotiated();
  }
  Query query;
  query.add("destination", request.destination);
  query.add("format", request.format == "docker" ? "v2s2" : "oci");
  if (request.tls_verify) {
    query.add_bool("tlsVerify", *request.tls_verify);
  }
  // podman < 4.9 never reports the pushed digest on the libpod route; its
  // compat route ends with "TAG: digest: sha256:… size: N", and that digest
  // is the registry's (docs/api-experiments.md §3).
  std::string target;
  if (m_caps->push_digest) {
    query.add_bool("quiet", false);
    target = path("/images/" + transport::url_encode(request.image) + "/push") + query.text();
  } else {
    target = "/v1.41/images/" + transport::url_encode(request.image) + "/push" + query.text();
  }
  transport::HttpRequest http{.method = "POST", .target = target};
  if (!request.auth_header.empty()) {
    http.headers.emplace_back("X-Registry-Auth", request.auth_header);
  }
  http.idle_timeout = std::chrono::minutes(10);
  PushStreamParser parser;
  PMA_TRY(stream(
      std::move(http), "push", [&](std::string_view data) { return parser.feed(data, on_progress); },
      [] { return stream_line_too_long("push"); }));
  parser.finish(on_progress);
  if (parser.error()) {
    return util::Unexpected(tag(stream_error(fmt::format("push to {} failed", request.destination), *parser.error())));
  }
  if (!oci::is_sha256_digest(parser.digest())) {
    // The stream was cut before podman said what it pushed: the next attempt may finish.
    return util::Unexpected(
        tag(Error(ErrorClass::protocol, fmt::format("push to {} ended without reporting a digest", request.destination))
                .with_transient()));
  }
  return parser.digest();
}

Result<void>
RestClient::remove_image(const std::string& image)
{
  PMA_TRY(call({.method = "DELETE", .target = path("/images/" + transport::url_encode(image))}, "remove image", true));
  return {};
}

Result<std::vector<std::string>>
RestClient::image_names(const std::string& reference)
{
  const std::string filters = json{{"reference", {reference}}}.dump();
  PMA_TRY_ASSIGN(
      const auto response,
      call({.method = "GET", .target = path("/images/json?all=true&filters=" + transport::url_encode(filters))},
           "list images"));
  const auto root = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::vector<std::string> names;
  for (const auto& image : root.is_array() ? root : json::array()) {
    if (image.is_object() && image.contains("Names") && image["Names"].is_array()) {
      for (const auto& name : image["Names"]) {
        if (name.is_string()) {
          names.push_back(name.get<std::string>());
        }
      }
    }
  }
  return names;
}

Result<void>
RestClient::tag_image(const std::string& image, const std::string& name)
{
  const size_t colon = name.rfind(':');
  const bool tagged = colon != std::string::npos && name.find('/', colon) == std::string::npos;
  Query query;
  query.add("repo", tagged ? name.substr(0, colon) : name);
  query.add("tag", tagged ? name.substr(colon + 1) : "latest");
  PMA_TRY(call({.method = "POST", .target = path("/images/" + transport::url_encode(image) + "/tag") + query.text()},
               "tag image " + image));
  return {};
}

Result<std::map<std::string, std::string>>
RestClient::image_ids_by_digest(const std::vector<std::string>& digests)
{
  // Every image: podman 4.3.1 has no digest filter. A host with thousands of
  // images answers a few megabytes.
  PMA_TRY_ASSIGN(const auto response,
                 call({.method = "GET", .target = path("/images/json?all=true"), .max_body = k_max_image_list_body},
                      "list images"));
  const auto root = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::map<std::string, std::string> out;
  const auto wanted = [&](const json& digest) {
    return digest.is_string() && std::find(digests.begin(), digests.end(), digest.get<std::string>()) != digests.end();
  };
  for (const auto& image : root.is_array() ? root : json::array()) {
    if (!image.is_object() || !image.contains("Id") || !image["Id"].is_string()) {
      continue;
    }
    std::vector<json> mine;
    if (image.contains("Digest")) {
      mine.push_back(image["Digest"]);
    }
    if (image.contains("Digests") && image["Digests"].is_array()) {
      mine.insert(mine.end(), image["Digests"].begin(), image["Digests"].end());
    }
    for (const auto& digest : mine) {
      if (wanted(digest)) {
        out.emplace(digest.get<std::string>(), image["Id"].get<std::string>());
      }
    }
  }
  return out;
}

} // namespace pma::libpod::detail
