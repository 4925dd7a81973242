#include <pma/transport/url.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <charconv>
#include <vector>

namespace pma::transport {

using util::ErrorClass;
using util::fail;
using util::Result;

namespace {

const std::vector<std::string> k_schemes = {"unix", "ssh", "tcp"};

Result<std::string>
percent_decode(const std::string_view text, const std::string_view what)
{
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    unsigned value = 0;
    if (i + 2 >= text.size()) {
      return fail(ErrorClass::config, fmt::format("bad percent-encoding in the {} of a host URL", what));
    }
    const auto* first = text.data() + i + 1;
    const auto [end, ec] = std::from_chars(first, first + 2, value, 16);
    if (ec != std::errc() || end != first + 2) {
      return fail(ErrorClass::config, fmt::format("bad percent-encoding in the {} of a host URL", what));
    }
    out += static_cast<char>(value);
    i += 2;
  }
  return out;
}

Result<uint16_t>
parse_port(const std::string_view text, const std::string_view url)
{
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return fail(ErrorClass::config, fmt::format("invalid port '{}' in host URL {} (expected 1-65535)", text, url));
  }
  return static_cast<uint16_t>(value);
}

// Splits "host[:port]" (host may be "[v6]") into its parts.
Result<void>
parse_authority_host(const std::string_view text, const std::string_view url, HostUrl& out)
{
  std::string_view host = text;
  std::string_view port;
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorClass::config, fmt::format("unterminated '[' in host URL {}", url));
    }
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        return fail(ErrorClass::config, fmt::format("unexpected text after ']' in host URL {}", url));
      }
      port = rest.substr(1);
      if (port.empty()) {
        return fail(ErrorClass::config, fmt::format("empty port in host URL {}", url));
      }
    }
    host = host.substr(1, close - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty()) {
      return fail(ErrorClass::config, fmt::format("empty port in host URL {}", url));
    }
  }
  if (host.empty()) {
    return fail(ErrorClass::config, fmt::format("host URL {} names no host", url));
  }
  out.host = std::string(host);
  if (!port.empty()) {
    auto value = parse_port(port, url);
    if (!value) {
      return util::Unexpected(value.error());
    }
    out.port = *value;
  }
  return {};
}

} // namespace

const char*
to_string(const Scheme scheme)
{
  switch (scheme) {
  case Scheme::unix_socket:
    return "unix";
  case Scheme::ssh:
    return "ssh";
  case Scheme::tcp:
    return "tcp";
  }
  return "?";
}

bool
looks_like_url(const std::string_view text)
{
  return text.find("://") != std::string_view::npos;
}

Result<HostUrl>
HostUrl::parse(const std::string_view text)
{
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return fail(ErrorClass::config, fmt::format("'{}' is not a host URL (expected unix://, ssh:// or tcp://)", text));
  }
  const std::string scheme = util::to_lower(text.substr(0, sep));
  const std::string_view rest = text.substr(sep + 3);
  HostUrl url;

  if (scheme == "unix") {
    url.scheme = Scheme::unix_socket;
    // podman accepts unix://relative/path and means /relative/path.
    url.path = rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest);
    if (rest.empty() || url.path == "/") {
      return fail(ErrorClass::config, fmt::format("host URL {} names no socket path", text));
    }
    return url;
  }

  if (scheme != "ssh" && scheme != "tcp") {
    return fail(ErrorClass::config, fmt::format("unsupported scheme '{}' in host URL {} (supported: unix, ssh, tcp){}",
                                                scheme, text, util::did_you_mean(scheme, k_schemes)));
  }

  url.scheme = scheme == "ssh" ? Scheme::ssh : Scheme::tcp;
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  url.path = slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash));
  if (const size_t query = url.path.find('?'); query != std::string::npos) {
    url.path.resize(query); // podman 4.0-4.2's ?secure=true: we always verify host keys
  }

  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    if (url.scheme == Scheme::tcp) {
      return fail(ErrorClass::config, "tcp:// host URLs cannot carry a user name or password");
    }
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    auto user = percent_decode(userinfo.substr(0, colon), "user name");
    if (!user) {
      return util::Unexpected(user.error());
    }
    url.user = *user;
    if (colon != std::string_view::npos) {
      auto password = percent_decode(userinfo.substr(colon + 1), "password");
      if (!password) {
        return util::Unexpected(password.error());
      }
      url.password = *password;
    }
  }

  const std::string shown = url.scheme == Scheme::ssh && !url.password.empty()
                                ? std::string("ssh://") + url.user + ":***@" + std::string(authority) + url.path
                                : std::string(text);
  if (auto ok = parse_authority_host(authority, shown, url); !ok) {
    return util::Unexpected(ok.error());
  }

  if (url.scheme == Scheme::ssh) {
    if (url.path.empty() || url.path == "/") {
      return util::Unexpected(util::Error{ErrorClass::config,
                                          fmt::format("host URL {} names no remote socket path", url.redacted()),
                                          "add it, e.g. ssh://user@host/run/user/1000/podman/podman.sock "
                                          "(ask the host: podman info --format '{{.Host.RemoteSocket.Path}}')"});
    }
  } else if (url.port == 0) {
    return fail(ErrorClass::config, fmt::format("host URL {} needs a port (tcp://host:port)", text));
  }
  return url;
}

uint16_t
HostUrl::effective_port() const
{
  if (port != 0) {
    return port;
  }
  return scheme == Scheme::ssh ? 22 : 0;
}

std::string
HostUrl::host_for_display() const
{
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string
HostUrl::redacted() const
{
  if (scheme == Scheme::unix_socket) {
    return "unix://" + path;
  }
  std::string out = std::string(to_string(scheme)) + "://";
  if (!user.empty() || !password.empty()) {
    out += user;
    if (!password.empty()) {
      out += ":***";
    }
    out += "@";
  }
  out += host_for_display();
  if (port != 0) {
    out += ":" + std::to_string(port);
  }
  out += path;
  return out;
}

} // namespace pma::transport
