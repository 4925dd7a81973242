#pragma once

// Private to src/registry.
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace pma::registry::detail {

// An absolute http(s) URL (a token realm, a redirect's Location) as a request
// takes it.
struct HttpUrl {
  bool https = true;
  std::string host_port; // the authority: "host[:port]", "[v6][:port]"
  std::string target = "/";
};

// The first error of a distribution-spec error body: code and message (the
// body's start when it is no such error).
std::pair<std::string, std::string> registry_error(const std::string& body);

// Where a registry name is served from (Docker Hub's API lives elsewhere).
std::string api_host(const std::string& registry);

// nullopt for another scheme or an authority that is no host[:port]
// (transport::split_url and parse_host_port: podman's rules).
std::optional<HttpUrl> parse_http_url(std::string_view text);

} // namespace pma::registry::detail
