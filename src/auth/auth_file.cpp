// containers-auth.json(5): where the files are, and what they hold.
// JSON boundary: nlohmann stays in auth/.
#include <pma/auth/credentials.hpp>
#include <pma/util/base64.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "secrets.hpp"

namespace pma::auth {

using nlohmann::json;
using util::ErrorClass;
using util::Result;

namespace {

util::Unexpected
auth_error(const std::string& message)
{
  return util::fail(ErrorClass::config, message);
}

} // namespace

AuthEnvironment
AuthEnvironment::from_process()
{
  return {.registry_auth_file = util::env("REGISTRY_AUTH_FILE"),
          .docker_config = util::env("DOCKER_CONFIG"),
          .xdg_runtime_dir = util::env("XDG_RUNTIME_DIR"),
          .config_home = util::xdg_config_home(),
          .home = util::home_dir(),
          .uid = ::getuid()};
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
    // As Go's decoder into containers/image's struct: a field that is there
    // but not a string fails the whole file (found by fuzzing: it threw).
    for (const char* field : {"auth", "identitytoken"}) {
      if (it.value().contains(field) && !it.value()[field].is_string()) {
        return auth_error(fmt::format(R"(auth file {}: entry "{}": "{}" must be a string)", source, it.key(), field));
      }
    }
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
    detail::register_secrets(credential);
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
    detail::register_secrets(*store.m_creds);
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
    PMA_TRY_ASSIGN(auto text, util::read_file(path));
    PMA_TRY_ASSIGN(auto file, from_auth_json(text, path.string()));
    for (auto& entry : file.m_entries) {
      store.m_entries.push_back(std::move(entry));
    }
    store.m_stores.insert(store.m_stores.end(), file.m_stores.begin(), file.m_stores.end());
  }
  return store;
}

} // namespace pma::auth
