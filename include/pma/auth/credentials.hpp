#pragma once

#include <pma/util/error.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pma::auth {

// Registry credentials. Never formatted, logged or put into an error message:
// only the header encoders below see the secret parts.
struct Credential {
  std::string username;
  std::string password;
  std::string identity_token;

  bool operator==(const Credential&) const = default;
};

// Where credentials come from (containers-auth.json(5) order), for messages.
struct CredentialSource {
  std::string description; // "--creds", "/root/.docker/config.json", …
};

struct AuthOptions {
  std::string authfile; // --authfile
  std::string creds;    // --creds USER:PASSWORD
};

// Environment that decides the auth-file search (captured for tests).
struct AuthEnvironment {
  std::string registry_auth_file;    // REGISTRY_AUTH_FILE
  std::string docker_config;         // DOCKER_CONFIG
  std::string xdg_runtime_dir;       // XDG_RUNTIME_DIR
  std::filesystem::path config_home; // $XDG_CONFIG_HOME or ~/.config
  std::filesystem::path home;
  unsigned uid = 0;

  static AuthEnvironment from_process();
};

// The auth files to read, in order. An explicit file (--authfile,
// REGISTRY_AUTH_FILE, $DOCKER_CONFIG/config.json) replaces the default search.
std::vector<std::filesystem::path> auth_file_search_path(const AuthOptions& options, const AuthEnvironment& env);

class CredentialStore {
public:
  // Reads --creds and the auth files. Malformed files (invalid JSON, bad
  // base64, "auth" without ':') are errors naming the file and the entry.
  static util::Result<CredentialStore> load(const AuthOptions& options, const AuthEnvironment& env);

  // Parses one auth file's text (exposed for tests).
  static util::Result<CredentialStore> from_auth_json(std::string_view text, const std::string& source);

  // Credentials for `image` ("registry/ns/repo[:tag]") or a bare registry:
  // --creds for the first registry asked, else the most specific auth-file key
  // (registry/ns/repo, registry/ns, registry), first file with a match wins.
  std::optional<Credential> lookup(std::string_view image) const;

  // X-Registry-Auth for pushing or adding `image`: the single form, "" without credentials.
  std::string auth_header(std::string_view image) const;

  // X-Registry-Auth for reading `image` from `registry`: the multi-registry
  // form (what manifest inspect honours), "" without credentials.
  std::string auth_config(std::string_view registry, std::string_view image) const;

  // Where lookup(image) found its answer ("" if nowhere); no secrets.
  std::string source_of(std::string_view image) const;

  // A credHelper configured for `registry`, if any (we never run helpers).
  std::optional<std::string> helper_for(std::string_view registry) const;

private:
  struct Entry {
    std::string key; // normalised: host[/path]
    Credential credential;
    std::string source;
  };

  std::optional<Credential> m_creds; // --creds applies to the target registry
  std::vector<Entry> m_entries;      // in search order
  std::map<std::string, std::string> m_helpers;
};

// Normalises an auth-file key: "https://index.docker.io/v1/" → "docker.io",
// "http://quay.io/" → "quay.io", "registry-1.docker.io" → "docker.io".
std::string normalize_key(std::string_view key);

// X-Registry-Auth, single form: base64url (padded) of {"username","password"[,"identitytoken"]}.
std::string registry_auth_header(const Credential& credential);

// X-Registry-Config: base64url (padded) of {"registry": {…}, …}.
std::string registry_config_header(const std::map<std::string, Credential>& credentials);

// The registries a Containerfile pulls from: every FROM (and COPY --from=image)
// that names an image, with ARG defaults and `build_args` substituted.
// Unqualified names mean docker.io. Stage names are skipped.
std::vector<std::string> base_image_registries(std::string_view containerfile,
                                               const std::map<std::string, std::string>& build_args);

// Standard and URL-safe base64 (RFC 4648), padded.
std::string base64_encode(std::string_view data, bool url_safe);
std::optional<std::string> base64_decode(std::string_view text);

} // namespace pma::auth
