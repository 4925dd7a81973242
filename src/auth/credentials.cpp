// Registry credentials: containers-auth.json(5) files, --creds,
// containers/image's lookup rule, and every encoding in which a credential
// leaves auth/ (X-Registry-Auth / X-Registry-Config, Basic, a token server's
// refresh form). JSON boundary: nlohmann stays here.
#include <pma/auth/credentials.hpp>
#include <pma/oci/reference.hpp>
#include <pma/transport/http.hpp>
#include <pma/util/base64.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <mutex>
#include <set>

namespace pma::auth {

using nlohmann::json;
using util::ErrorClass;
using util::Result;

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

util::Unexpected
auth_error(const std::string& message)
{
  return util::fail(ErrorClass::config, message);
}

} // namespace

AuthEnvironment
AuthEnvironment::from_process()
{
  AuthEnvironment env;
  env.registry_auth_file = util::env("REGISTRY_AUTH_FILE");
  env.docker_config = util::env("DOCKER_CONFIG");
  env.xdg_runtime_dir = util::env("XDG_RUNTIME_DIR");
  env.config_home = util::xdg_config_home();
  env.home = util::home_dir();
  env.uid = ::getuid();
  return env;
}

std::vector<std::filesystem::path>
auth_file_search_path(const AuthOptions& options, const AuthEnvironment& env)
{
  if (!options.authfile.empty()) {
    return {util::expand_user(options.authfile)};
  }
  if (!env.registry_auth_file.empty()) {
    return {env.registry_auth_file};
  }
  if (!env.docker_config.empty()) {
    return {std::filesystem::path(env.docker_config) / "config.json"};
  }
  const std::filesystem::path runtime = env.xdg_runtime_dir.empty()
                                            ? std::filesystem::path(fmt::format("/run/containers/{}", env.uid))
                                            : std::filesystem::path(env.xdg_runtime_dir) / "containers";
  return {runtime / "auth.json", env.config_home / "containers" / "auth.json", env.home / ".docker" / "config.json",
          env.home / ".dockercfg"};
}

std::string
normalize_key(std::string_view key)
{
  for (const std::string_view scheme : {"https://", "http://"}) {
    if (key.starts_with(scheme)) {
      key.remove_prefix(scheme.size());
      // URL-style keys name a registry only (docker login's old format).
      key = key.substr(0, key.find('/'));
      break;
    }
  }
  while (key.ends_with('/')) {
    key.remove_suffix(1);
  }
  std::string out(key);
  for (const std::string_view alias : {"index.docker.io", "registry-1.docker.io"}) {
    if (out == alias || out.starts_with(std::string(alias) + "/")) {
      out = "docker.io" + out.substr(alias.size());
    }
  }
  return out;
}

Result<CredentialStore>
CredentialStore::from_auth_json(const std::string_view text, const std::string& source)
{
  json root;
  try {
    root = json::parse(text);
  } catch (const json::parse_error& e) {
    return auth_error(fmt::format("auth file {}: invalid JSON at byte {}", source, e.byte));
  } catch (const json::exception&) { // e.g. a number too large (found by fuzzing)
    return auth_error(fmt::format("auth file {}: invalid JSON (a number out of range)", source));
  }
  if (!root.is_object()) {
    return auth_error(fmt::format("auth file {}: expected a JSON object", source));
  }
  CredentialStore store;
  // containers-auth.json and docker's config.json keep entries under "auths";
  // the legacy ~/.dockercfg is the map itself.
  const bool legacy = !root.contains("auths") && !root.contains("credHelpers") && !root.contains("credsStore");
  const json& auths = legacy ? root : root.value("auths", json::object());
  if (!auths.is_object()) {
    return auth_error(fmt::format("auth file {}: \"auths\" must be an object", source));
  }
  for (auto it = auths.begin(); it != auths.end(); ++it) {
    if (!it.value().is_object()) {
      return auth_error(fmt::format("auth file {}: entry \"{}\" must be an object", source, it.key()));
    }
    Credential credential;
    const std::string encoded = it.value().value("auth", std::string());
    credential.identity_token = it.value().value("identitytoken", std::string());
    if (!encoded.empty()) {
      const auto decoded = util::base64_decode(encoded);
      if (!decoded) {
        return auth_error(fmt::format(R"(auth file {}: entry "{}": "auth" is not valid base64)", source, it.key()));
      }
      const size_t colon = decoded->find(':');
      if (colon == std::string::npos) {
        return auth_error(
            fmt::format(R"(auth file {}: entry "{}": "auth" must encode user:password)", source, it.key()));
      }
      credential.username = decoded->substr(0, colon);
      credential.password = decoded->substr(colon + 1);
      util::redact::add(encoded); // as the file spells it (padding, line breaks)
    }
    register_secrets(credential);
    if (credential.username.empty() && credential.identity_token.empty()) {
      continue; // an empty {} entry carries nothing, as in containers/image
    }
    store.m_entries.push_back({normalize_key(it.key()), {}, std::move(credential), source});
  }
  // containers/image asks a file's credHelpers entry for the registry before its "auths".
  if (const auto helpers = root.find("credHelpers"); helpers != root.end() && helpers->is_object()) {
    std::vector<Entry> first;
    for (auto it = helpers->begin(); it != helpers->end(); ++it) {
      if (it.value().is_string()) {
        first.push_back({normalize_key(it.key()), it.value().get<std::string>(), {}, source});
      }
    }
    store.m_entries.insert(store.m_entries.begin(), first.begin(), first.end());
  }
  if (const auto creds_store = root.find("credsStore"); creds_store != root.end() && creds_store->is_string()) {
    store.m_stores.emplace_back(source, creds_store->get<std::string>());
  }
  return store;
}

Result<CredentialStore>
CredentialStore::load(const AuthOptions& options, const AuthEnvironment& env)
{
  CredentialStore store;
  if (!options.creds.empty()) {
    const size_t colon = options.creds.find(':');
    if (colon == std::string::npos || colon == 0) {
      return util::Unexpected(util::Error(ErrorClass::usage, "--creds must be USER:PASSWORD",
                                          "or put the credentials into an auth file and use --authfile"));
    }
    store.m_creds = Credential{options.creds.substr(0, colon), options.creds.substr(colon + 1), {}};
    register_secrets(*store.m_creds);
  }
  const bool explicit_file = !options.authfile.empty() || !env.registry_auth_file.empty();
  for (const auto& path : auth_file_search_path(options, env)) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(path, ec)) {
      if (explicit_file) {
        return auth_error(fmt::format("auth file {} does not exist", path.string()));
      }
      continue;
    }
    auto text = util::read_file(path);
    if (!text) {
      return util::Unexpected(std::move(text).error());
    }
    auto file = from_auth_json(*text, path.string());
    if (!file) {
      return util::Unexpected(std::move(file).error());
    }
    for (auto& entry : file->m_entries) {
      store.m_entries.push_back(std::move(entry));
    }
    store.m_stores.insert(store.m_stores.end(), file->m_stores.begin(), file->m_stores.end());
  }
  return store;
}

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
