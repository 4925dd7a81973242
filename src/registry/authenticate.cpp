// Registry authentication: WWW-Authenticate challenges, the token server,
// Basic (the credential encoded by auth::CredentialStore).
#include <pma/registry/reader.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "http_url.hpp"

namespace pma::registry {

using util::Error;
using util::ErrorClass;
using util::Result;

Challenge
parse_challenge(const std::string_view header)
{
  Challenge challenge;
  const std::string_view text = util::trim(header);
  const size_t space = text.find(' ');
  challenge.scheme = util::to_lower(text.substr(0, space));
  if (space == std::string_view::npos) {
    return challenge;
  }
  size_t i = space + 1;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == ',')) {
      ++i;
    }
    const size_t equals = text.find('=', i);
    if (equals == std::string_view::npos) {
      break;
    }
    const std::string key = util::to_lower(util::trim(text.substr(i, equals - i)));
    std::string value;
    i = equals + 1;
    if (i < text.size() && text[i] == '"') {
      for (++i; i < text.size() && text[i] != '"'; ++i) {
        if (text[i] == '\\' && i + 1 < text.size()) {
          ++i;
        }
        value += text[i];
      }
      ++i; // closing quote
    } else {
      const size_t end = text.find(',', i);
      value = std::string(util::trim(text.substr(i, end - i)));
      i = end == std::string_view::npos ? text.size() : end;
    }
    challenge.params[key] = value;
  }
  return challenge;
}

Result<void>
Reader::authenticate(const oci::ImageRef& ref, const std::string& challenge_header)
{
  const Challenge challenge = parse_challenge(challenge_header);
  const auto service = challenge.params.find("service");
  const std::string scope = "repository:" + ref.repository + (m_options.push ? ":pull,push" : ":pull");
  const auth::RegistryLogin login =
      m_credentials.registry_login(ref.name(), service != challenge.params.end() ? service->second : "", scope);
  if (challenge.scheme == "basic") {
    m_authorization[ref.name()] = login.basic;
    return {};
  }
  if (challenge.scheme != "bearer") {
    return util::fail(ErrorClass::protocol, fmt::format("{} asked for authentication of an unknown kind ('{}')",
                                                        ref.registry, challenge_header.substr(0, 60)));
  }
  const auto realm = detail::parse_http_url(challenge.params.contains("realm") ? challenge.params.at("realm") : "");
  if (!realm) {
    return util::fail(ErrorClass::protocol,
                      fmt::format("{} sent a token challenge without a usable realm", ref.registry));
  }
  std::string target = realm->target + (realm->target.find('?') == std::string::npos ? "?" : "&");
  if (service != challenge.params.end()) {
    target += "service=" + transport::url_encode(service->second) + "&";
  }
  target += "scope=" + transport::url_encode(scope);
  transport::HttpRequest request{.target = target};
  if (!login.basic.empty()) {
    request.headers.emplace_back("Authorization", login.basic);
  } else if (!login.refresh_form.empty()) {
    request.method = "POST";
    request.target = realm->target;
    request.content_type = "application/x-www-form-urlencoded";
    request.body = login.refresh_form;
  }
  PMA_TRY_ASSIGN(const auto response, send(realm->host_port, realm->https, std::move(request), k_max_token_size));
  if (response.status == 401 || response.status == 403) {
    return util::Unexpected(
        Error(ErrorClass::auth,
              fmt::format("{} refused the credentials from {}", realm->host_port, m_credentials.source_of(ref.name())),
              "check the user name and password (--creds USER:PASSWORD or --authfile FILE)"));
  }
  if (response.status != 200) {
    return util::fail(ErrorClass::registry,
                      fmt::format("token server {} answered {}", realm->host_port, response.status));
  }
  const auto body = nlohmann::json::parse(response.body, nullptr, /*allow_exceptions=*/false);
  std::string token;
  if (body.is_object()) {
    token = body.value("token", "");
    if (token.empty()) {
      token = body.value("access_token", "");
    }
  }
  if (token.empty()) {
    return util::fail(ErrorClass::protocol, fmt::format("token server {} sent no token", realm->host_port));
  }
  util::redact::add(token); // a registry or proxy may echo it in an error body
  m_authorization[ref.name()] = "Bearer " + token;
  return {};
}

} // namespace pma::registry
