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
parse_port(const std::string_view text, const std::string_view what)
{
  unsigned value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value == 0 || value > 65535) {
    return fail(ErrorClass::config, fmt::format("invalid port '{}' in {} (expected 1-65535)", text, what));
  }
  return static_cast<uint16_t>(value);
}

} // namespace

std::string
UrlParts::target() const
{
  const std::string base = path.empty() ? "/" : path;
  return query.empty() ? base : base + "?" + query;
}

std::optional<UrlParts>
split_url(const std::string_view text)
{
  const size_t sep = text.find("://");
  if (sep == std::string_view::npos) {
    return std::nullopt;
  }
  UrlParts parts;
  parts.scheme = util::to_lower(text.substr(0, sep));
  std::string_view rest = text.substr(sep + 3);
  const size_t end = rest.find_first_of("/?");
  std::string_view authority = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end);
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    parts.has_userinfo = true;
    parts.userinfo = std::string(authority.substr(0, at));
    authority = authority.substr(at + 1);
  }
  parts.authority = std::string(authority);
  const size_t query = rest.find('?');
  parts.path = std::string(rest.substr(0, query));
  if (query != std::string_view::npos) {
    parts.query = std::string(rest.substr(query + 1));
  }
  return parts;
}

Result<HostPort>
parse_host_port(const std::string_view text, const std::string_view what)
{
  std::string_view host = text;
  std::string_view port;
  if (host.starts_with('[')) {
    const size_t close = host.find(']');
    if (close == std::string_view::npos) {
      return fail(ErrorClass::config, fmt::format("unterminated '[' in {}", what));
    }
    const std::string_view rest = host.substr(close + 1);
    if (!rest.empty()) {
      if (!rest.starts_with(':')) {
        return fail(ErrorClass::config, fmt::format("unexpected text after ']' in {}", what));
      }
      port = rest.substr(1);
      if (port.empty()) {
        return fail(ErrorClass::config, fmt::format("empty port in {}", what));
      }
    }
    host = host.substr(1, close - 1);
  } else if (const size_t colon = host.rfind(':'); colon != std::string_view::npos) {
    port = host.substr(colon + 1);
    host = host.substr(0, colon);
    if (port.empty()) {
      return fail(ErrorClass::config, fmt::format("empty port in {}", what));
    }
  }
  if (host.empty()) {
    return fail(ErrorClass::config, fmt::format("{} names no host", what));
  }
  HostPort out{std::string(host), 0};
  if (!port.empty()) {
    PMA_TRY_ASSIGN(out.port, parse_port(port, what));
  }
  return out;
}

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
  const auto parts = split_url(text);
  if (!parts) {
    return fail(ErrorClass::config, fmt::format("'{}' is not a host URL (expected unix://, ssh:// or tcp://)", text));
  }
  HostUrl url;

  if (parts->scheme == "unix") {
    // The rest is a path, whatever it holds ('@', '?'); podman accepts
    // unix://relative/path and means /relative/path.
    const std::string_view rest = text.substr(text.find("://") + 3);
    url.scheme = Scheme::unix_socket;
    url.path = rest.starts_with('/') ? std::string(rest) : "/" + std::string(rest);
    if (rest.empty() || url.path == "/") {
      return fail(ErrorClass::config, fmt::format("host URL {} names no socket path", text));
    }
    return url;
  }

  if (parts->scheme != "ssh" && parts->scheme != "tcp") {
    return fail(ErrorClass::config, fmt::format("unsupported scheme '{}' in host URL {} (supported: unix, ssh, tcp){}",
                                                parts->scheme, text, util::did_you_mean(parts->scheme, k_schemes)));
  }

  url.scheme = parts->scheme == "ssh" ? Scheme::ssh : Scheme::tcp;
  url.path = parts->path; // a query (podman 4.0-4.2's ?secure=true) is dropped: we always verify host keys
  if (parts->has_userinfo) {
    if (url.scheme == Scheme::tcp) {
      return fail(ErrorClass::config, "tcp:// host URLs cannot carry a user name or password");
    }
    const std::string_view userinfo = parts->userinfo;
    const size_t colon = userinfo.find(':');
    PMA_TRY_ASSIGN(url.user, percent_decode(userinfo.substr(0, colon), "user name"));
    if (colon != std::string_view::npos) {
      PMA_TRY_ASSIGN(url.password, percent_decode(userinfo.substr(colon + 1), "password"));
    }
  }

  const std::string shown = url.scheme == Scheme::ssh && !url.password.empty()
                                ? std::string("ssh://") + url.user + ":***@" + parts->authority + url.path
                                : std::string(text);
  PMA_TRY_ASSIGN(const HostPort authority, parse_host_port(parts->authority, "host URL " + shown));
  url.host = authority.host;
  url.port = authority.port;

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
