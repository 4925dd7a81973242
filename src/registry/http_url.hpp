#pragma once

// Private to src/registry.
#include <optional>
#include <string>
#include <string_view>

namespace pma::registry::detail {

// An absolute http(s) URL (a token realm, a redirect's Location) as a request
// takes it.
struct HttpUrl {
  bool https = true;
  std::string host_port; // the authority: "host[:port]", "[v6][:port]"
  std::string target = "/";
};

// nullopt for another scheme or an authority that is no host[:port]
// (transport::split_url and parse_host_port: podman's rules).
std::optional<HttpUrl> parse_http_url(std::string_view text);

} // namespace pma::registry::detail
