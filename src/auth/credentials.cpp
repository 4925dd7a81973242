// Registry credentials: containers/image's lookup rule, and every encoding
// in which a credential leaves auth/ (X-Registry-Auth / X-Registry-Config,
// Basic, a token server's refresh form). JSON boundary: nlohmann stays in auth/.
#include <pma/auth/credentials.hpp>
#include <pma/oci/reference.hpp>
#include <pma/transport/http.hpp>
#include <pma/util/base64.hpp>
#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <mutex>
#include <set>

#include "secrets.hpp"

namespace pma::auth {

using nlohmann::json;

namespace {

// `text` as it appears inside a JSON string (what an echoed JSON body shows).
// A password need not be UTF-8 (an auth file's base64 decodes to any bytes):
// its bad bytes are written as U+FFFD rather than thrown over.
std::string
json_escaped(const std::string& text)
{
  const std::string quoted = json(text).dump(-1, ' ', false, json::error_handler_t::replace);
  return quoted.substr(1, quoted.size() - 2);
}

// An X-Registry-Auth / X-Registry-Config value is registered as it is made.
std::string
registered(std::string header)
{
  util::redact::add(header);
  return header;
}

// The repository `image` names ("" for other transports), and its registry.
std::pair<std::string, std::string>
repository_of(std::string_view image)
{
  const auto ref = oci::TransportRef::parse(image);
  if (!ref.names_registry()) {
    return {};
  }
  if (const auto parsed = ref.registry_image()) {
    return {parsed->name(), parsed->registry};
  }
  // Text no registry would take: its name up to a digest or tag, as it stands.
  std::string_view name = ref.reference;
  name = name.substr(0, name.find('@'));
  if (const size_t colon = name.rfind(':'); colon != std::string_view::npos && colon > name.rfind('/')) {
    name = name.substr(0, colon);
  }
  std::string text = normalize_key(name);
  return {text, text.substr(0, text.find('/'))};
}

// "registry/ns/repo" → candidate keys, most specific first.
std::vector<std::string>
lookup_keys(std::string key)
{
  std::vector<std::string> keys;
  while (!key.empty()) {
    keys.push_back(key);
    const size_t cut = key.rfind('/');
    if (cut == std::string::npos) {
      break;
    }
    key.resize(cut);
  }
  return keys;
}

} // namespace

namespace detail {

// Every form in which `credential` can leave this process or come back in an
// answer: raw, user:password, Basic's base64 (both alphabets), JSON-escaped,
// URL-encoded (the identity token's form body).
void
register_secrets(const Credential& credential)
{
  for (const std::string* secret : {&credential.password, &credential.identity_token}) {
    if (secret->empty()) {
      continue;
    }
    util::redact::add(*secret);
    util::redact::add(json_escaped(*secret));
    util::redact::add(transport::url_encode(*secret));
  }
  if (!credential.password.empty()) {
    const std::string pair = credential.username + ":" + credential.password;
    util::redact::add(pair);
    util::redact::add(util::base64_encode(pair, /*url_safe=*/false));
    util::redact::add(util::base64_encode(pair, /*url_safe=*/true));
  }
}

} // namespace detail

struct CredentialStore::Notices {
  std::mutex mutex;
  std::set<std::string> given;
  std::function<void(const std::string&)> sink;
};

void
CredentialStore::on_notice(std::function<void(const std::string&)> sink)
{
  if (!m_notices) {
    m_notices = std::make_shared<Notices>();
  }
  m_notices->sink = std::move(sink);
}

void
CredentialStore::notice(const std::string& message) const
{
  if (!m_notices) {
    util::log::warn("{}", message);
    return;
  }
  const std::lock_guard lock(m_notices->mutex);
  if (!m_notices->given.insert(message).second) {
    return;
  }
  if (m_notices->sink) {
    m_notices->sink(message);
  } else {
    util::log::warn("{}", message);
  }
}

const CredentialStore::Entry*
CredentialStore::find(const std::string_view image) const
{
  const auto [repository, registry] = repository_of(image);
  return repository.empty() ? nullptr : find_key(repository, registry);
}

const CredentialStore::Entry*
CredentialStore::find_key(const std::string& repository, const std::string& registry) const
{
  const auto keys = lookup_keys(repository);
  // Entries are grouped by file in search order: the first file with a match
  // wins; in it a helper for the registry, else the most specific key.
  for (size_t begin = 0; begin < m_entries.size();) {
    size_t end = begin;
    while (end < m_entries.size() && m_entries[end].source == m_entries[begin].source) {
      ++end;
    }
    for (size_t i = begin; i < end; ++i) {
      if (!m_entries[i].helper.empty() && m_entries[i].key == registry) {
        return &m_entries[i];
      }
    }
    for (const auto& key : keys) {
      for (size_t i = begin; i < end; ++i) {
        if (m_entries[i].helper.empty() && m_entries[i].key == key) {
          return &m_entries[i];
        }
      }
    }
    begin = end;
  }
  return nullptr;
}

std::optional<Credential>
CredentialStore::lookup(const std::string_view image) const
{
  if (m_creds) {
    return m_creds;
  }
  const Entry* entry = find(image);
  if (entry != nullptr && entry->helper.empty()) {
    return entry->credential;
  }
  const std::string registry = repository_of(image).second;
  if (entry != nullptr) {
    notice(fmt::format("{} names the credential helper docker-credential-{} for {}: podman would run it, "
                       "podman-multiarch never runs programs, so no credentials are sent for {} — store them "
                       "in an auth file (podman login --authfile FILE {}) and pass --authfile FILE, or use --creds",
                       entry->source, entry->helper, registry, registry, registry));
  } else if (!registry.empty()) {
    for (const auto& [source, name] : m_stores) {
      notice(fmt::format("{} keeps its credentials in the store docker-credential-{} (credsStore), which podman and "
                         "podman-multiarch do not read: no credentials for {} — podman login {} stores them where "
                         "both look, or use --authfile / --creds",
                         source, name, registry, registry));
    }
  }
  return std::nullopt;
}

bool
CredentialStore::has_credential(const std::string_view image) const
{
  return lookup(image).has_value();
}

std::string
CredentialStore::source_of(const std::string_view image) const
{
  if (m_creds) {
    return "--creds";
  }
  const Entry* entry = find(image);
  if (entry == nullptr || !entry->helper.empty()) {
    return {};
  }
  return fmt::format("{} (key {})", entry->source, entry->key);
}

std::string
CredentialStore::header_for(const std::vector<std::string>& images) const
{
  std::map<std::string, Credential> credentials;
  for (const auto& image : images) {
    if (auto credential = lookup(image)) {
      credentials[repository_of(image).first] = *credential;
    }
  }
  return credentials.empty() ? std::string() : registry_config_header(credentials);
}

std::string
CredentialStore::header_for_all() const
{
  if (m_creds) {
    return registered(
        util::base64_encode(json{{"username", m_creds->username}, {"password", m_creds->password}}.dump(), true));
  }
  std::map<std::string, Credential> credentials;
  for (const auto& entry : m_entries) {
    const Entry* found = find_key(entry.key, entry.key.substr(0, entry.key.find('/')));
    if (found != nullptr && found->helper.empty() && found->key == entry.key) {
      credentials.emplace(found->key, found->credential);
    }
  }
  return credentials.empty() ? std::string() : registry_config_header(credentials);
}

RegistryLogin
CredentialStore::registry_login(const std::string_view image, const std::string_view service,
                                const std::string_view scope) const
{
  const auto credential = lookup(image);
  if (!credential) {
    return {};
  }
  if (credential->identity_token.empty()) {
    return {"Basic " + util::base64_encode(credential->username + ":" + credential->password, /*url_safe=*/false), {}};
  }
  // distribution's token spec: an OAuth2 refresh token is traded with a POST.
  return {{},
          fmt::format("grant_type=refresh_token&client_id=podman-multiarch&service={}&scope={}&refresh_token={}",
                      transport::url_encode(service), transport::url_encode(scope),
                      transport::url_encode(credential->identity_token))};
}

std::string
registry_config_header(const std::map<std::string, Credential>& credentials)
{
  json out = json::object();
  for (const auto& [registry, credential] : credentials) {
    // Identity tokens: the services drop them from this form (they read only
    // the user name and password into their temporary auth file).
    out[registry] = {{"username", credential.username}, {"password", credential.password}};
  }
  return registered(util::base64_encode(out.dump(), true));
}

} // namespace pma::auth
