// libpod REST client core: version negotiation, /info, error bodies.
#include <pma/transport/failures.hpp>
#include <pma/transport/limits.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "client_impl.hpp"

namespace pma::libpod {

using detail::mentions_auth_failure;
using detail::string_at;
using nlohmann::json;
using util::Error;
using util::ErrorClass;
using util::Result;

namespace detail {

std::string
string_at(const json& object, const char* key)
{
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

bool
mentions_auth_failure(const std::string& message)
{
  const std::string lower = util::to_lower(message);
  return lower.find("unauthorized") != std::string::npos ||
         lower.find("authentication required") != std::string::npos ||
         lower.find("denied: requested access") != std::string::npos;
}

util::Error
stream_error(const std::string& failed, const std::string& podman_error)
{
  const ErrorClass cls = mentions_auth_failure(podman_error) ? ErrorClass::auth : ErrorClass::api;
  return Error(cls, failed + ": " + podman_error).with_transient(transport::mentions_transient_failure(podman_error));
}

util::Error
stream_line_too_long(const std::string_view what)
{
  return {ErrorClass::protocol,
          fmt::format("the {} stream has a line longer than {} without a newline: refused (podman sends short "
                      "JSON lines)",
                      what, transport::format_size(k_max_stream_line)),
          "the service is broken or is not podman: check what serves there"};
}

void
Query::add(const std::string_view key, const std::string_view value)
{
  m_text += m_text.empty() ? "?" : "&";
  m_text += transport::url_encode(key) + "=" + transport::url_encode(value);
}

RestClient::RestClient(std::unique_ptr<transport::HttpClient> http, std::string host_name)
  : m_http(std::move(http))
  , m_host(std::move(host_name))
{
}

Result<PingResult>
RestClient::ping()
{
  const auto start = std::chrono::steady_clock::now();
  // A service that accepts but does not answer (stopped, overloaded, a
  // slow-loris) is as good as unreachable: the whole answer to /_ping gets no
  // more time than the connection itself.
  auto response = m_http->send({.method = "GET",
                                .target = "/_ping",
                                .idle_timeout = m_http->connect_timeout(),
                                .max_body = k_max_ping_body,
                                .deadline = start + m_http->connect_timeout()});
  const auto round_trip =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  if (!response) {
    return util::Unexpected(tag(std::move(response).error()));
  }
  if (response->status != 200) {
    Error error = error_from_response(*response, "ping");
    error.cls = ErrorClass::protocol;
    error.message = "not a podman API service: " + error.message;
    return util::Unexpected(tag(std::move(error)));
  }
  const std::string header = response->header("Libpod-API-Version");
  if (header.empty()) {
    return util::Unexpected(tag(Error(ErrorClass::protocol, "the service answered /_ping without a Libpod-API-Version "
                                                            "header: it is not a podman service (Docker?)")));
  }
  const auto version = Version::parse(header);
  if (!version) {
    return util::Unexpected(
        tag(Error(ErrorClass::protocol, fmt::format("unreadable Libpod-API-Version '{}'", header))));
  }
  if (*version < k_min_server_version) {
    return util::Unexpected(tag(Error(ErrorClass::api,
                                      fmt::format("podman {} is too old: podman-multiarch needs podman {} or newer",
                                                  header, k_min_server_version.to_string()),
                                      "upgrade podman on this host")));
  }
  m_caps.emplace(*version);
  util::log::debug("host {}: libpod API {}", m_host, version->to_string());
  return PingResult{*version, round_trip};
}

Result<HostInfo>
RestClient::info()
{
  PMA_TRY_ASSIGN(auto response, call({.method = "GET", .target = path("/info"), .max_body = k_max_info_body}, "info"));
  auto info = parse_info(response.body, m_caps->version);
  if (!info) {
    return util::Unexpected(tag(std::move(info).error()));
  }
  return info;
}

std::string
RestClient::path(const std::string_view route) const
{
  return fmt::format("/v{}/libpod{}", m_caps->version.to_string(), route);
}

Result<transport::HttpResponse>
RestClient::call(const transport::HttpRequest& request, const std::string_view what, const bool missing_is_ok)
{
  if (!m_caps) {
    return not_negotiated();
  }
  auto response = m_http->send(request);
  if (!response) {
    return util::Unexpected(tag(std::move(response).error()));
  }
  const bool ok = (response->status >= 200 && response->status < 300) || (missing_is_ok && response->status == 404);
  if (!ok) {
    return util::Unexpected(tag(error_from_response(*response, what)));
  }
  return response;
}

Result<void>
RestClient::stream(transport::HttpRequest request, const std::string_view what,
                   const std::function<bool(std::string_view)>& on_data, const std::function<util::Error()>& refused)
{
  bool refused_stream = false;
  request.on_data = [&](std::string_view data) {
    refused_stream = !on_data(data);
    return !refused_stream;
  };
  request.max_body = k_max_error_body;
  auto response = call(request, what);
  if (refused_stream && !util::interrupt::requested()) {
    return util::Unexpected(tag(refused()));
  }
  if (!response) {
    return util::Unexpected(std::move(response).error());
  }
  return {};
}

Error
RestClient::tag(Error error) const
{
  if (error.host.empty()) {
    error.host = m_host;
  }
  return error;
}

util::Unexpected
RestClient::not_negotiated() const
{
  return util::Unexpected(tag(Error(ErrorClass::internal, "libpod call before ping()")));
}

} // namespace detail

std::unique_ptr<LibpodClient>
make_libpod_client(std::unique_ptr<transport::HttpClient> http, std::string host_name)
{
  return std::make_unique<detail::RestClient>(std::move(http), std::move(host_name));
}

Error
error_from_response(const transport::HttpResponse& response, const std::string_view what)
{
  std::string detail;
  const auto body = json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_object()) {
    detail = string_at(body, "message");
    if (detail.empty()) {
      detail = string_at(body, "cause");
    }
    // The manifest PUT handler of podman 4.x answers {"Id":"","errors":["…"]}.
    if (const auto errors = body.find("errors"); detail.empty() && errors != body.end() && errors->is_array()) {
      std::vector<std::string> texts;
      for (const auto& item : *errors) {
        if (item.is_string()) {
          texts.push_back(item.get<std::string>());
        }
      }
      detail = util::join(texts, "; ");
    }
  }
  if (detail.empty()) {
    detail = std::string(util::trim(response.body));
  }
  // podman's wording: "removing from manifest list foo: no instance matching digest …".
  std::string message = detail.empty() ? fmt::format("{} failed (HTTP {})", what, response.status)
                                       : fmt::format("{}: {} (HTTP {})", what, detail, response.status);
  if (!body.is_object() && (response.status == 404 || response.status == 405)) {
    message += " (the service has no such API route)";
  }
  const ErrorClass cls = mentions_auth_failure(detail) ? ErrorClass::auth : ErrorClass::api;
  return Error{cls, std::move(message)}.with_transient(transport::is_transient_status(response.status) ||
                                                       transport::mentions_transient_failure(detail));
}

Result<HostInfo>
parse_info(const std::string_view body, const Version api_version)
{
  const auto root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object() || !root.contains("host") || !root["host"].is_object()) {
    return util::fail(ErrorClass::protocol, "unreadable /info response (no host object)");
  }
  const json& host = root["host"];
  HostInfo info;
  info.api_version = api_version;
  const std::string os = string_at(host, "os");
  const std::string arch = string_at(host, "arch");
  const std::string variant = string_at(host, "variant");
  if (os.empty() || arch.empty()) {
    return util::fail(ErrorClass::protocol, "/info does not report host.os and host.arch");
  }
  info.native = oci::Platform::normalized(os, arch, variant);
  info.variant_inferred = variant.empty() && !info.native.variant.empty();
  info.kernel = string_at(host, "kernel");
  if (const auto cpus = host.find("cpus"); cpus != host.end() && cpus->is_number_integer() && cpus->get<int>() > 0) {
    info.cpus = cpus->get<int>();
  }
  if (const auto distribution = host.find("distribution"); distribution != host.end() && distribution->is_object()) {
    info.os_release =
        fmt::format("{} {}", string_at(*distribution, "distribution"), string_at(*distribution, "version"));
  }
  if (const auto emulated = host.find("emulatedArchitectures"); emulated != host.end() && emulated->is_array()) {
    std::vector<oci::Platform> platforms;
    for (const auto& entry : *emulated) {
      if (!entry.is_string()) {
        continue;
      }
      if (auto platform = oci::Platform::parse(entry.get<std::string>())) {
        platforms.push_back(*platform);
      }
    }
    info.emulated = std::move(platforms);
  } else if (Capabilities(api_version).emulated_architectures) {
    info.emulated = std::vector<oci::Platform>{};
  }
  if (const auto version = root.find("version"); version != root.end() && version->is_object()) {
    info.podman_version = string_at(*version, "Version");
  }
  if (info.podman_version.empty()) {
    info.podman_version = api_version.to_string();
  }
  return info;
}

} // namespace pma::libpod
