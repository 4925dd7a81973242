#pragma once

#include <pma/util/error.hpp>

#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pma::auth {

// Registry credentials. Never formatted, logged or put into an error message:
// only CredentialStore's encoders see the secret parts, and nothing outside
// auth/ needs them (lookup() tells tests and auth/ what was found).
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

// A credential as a registry's own authentication takes it: a Basic
// authorization, or a refresh-token form for its token server.
struct RegistryLogin {
  std::string basic;        // "Basic base64(user:password)"; "" unless a user name and password were found
  std::string refresh_form; // for an identity token (an OAuth2 refresh token): the token server's
                            // POST body (application/x-www-form-urlencoded); "" otherwise
};

class CredentialStore {
public:
  // Reads --creds and the auth files. Malformed files (invalid JSON, bad
  // base64, "auth" without ':') are errors naming the file and the entry.
  static util::Result<CredentialStore> load(const AuthOptions& options, const AuthEnvironment& env);

  // Parses one auth file's text (exposed for tests).
  static util::Result<CredentialStore> from_auth_json(std::string_view text, const std::string& source);

  // Where to say that credentials exist but cannot be used (a credential
  // helper or store: podman-multiarch never runs programs). Each message is
  // given once. Without a sink, util::log::warn.
  void on_notice(std::function<void(const std::string&)> sink);

  // The credential for `image`: any reference podman takes ("quay.io/org/app:1",
  // "docker://alpine", "127.0.0.1:5000/app@sha256:…"). The
  // one rule, containers/image's, for every use (pushes, list pushes, base-image
  // pulls, registry reads, manifest verbs): --creds; else, file by file in
  // search order, the file's credHelpers entry for the registry (which podman
  // would run: we cannot, so a notice and no credential), else its most specific
  // "auths" key (registry/ns/repo, registry/ns, registry); the first file with
  // a match wins. Other transports (containers-storage:, oci:, …) need none.
  std::optional<Credential> lookup(std::string_view image) const;

  // Whether lookup(image) finds a credential.
  bool has_credential(std::string_view image) const;

  // The X-Registry-Auth / X-Registry-Config value for an operation that touches
  // `images` (what it pushes, adds, reads or pulls): the multi-registry form,
  // one entry per image repository that has credentials; "" if none has. Keyed
  // by repository, each lands in the service's temporary auth file, where
  // containers/image finds it by the same most-specific rule (the single form
  // would apply one credential to every registry the operation touches). Every
  // version from 4.0 reads this form on build, push, manifest add, push and inspect.
  std::string header_for(const std::vector<std::string>& images) const;

  // The same header for an operation whose images are not all known here
  // (manifest push --all copies the list's images from wherever they were
  // added): every credential, as podman itself sends them; with --creds the
  // single form, which applies to every registry. A key is sent only where
  // lookup() stops at that key's own entry (the same rule): the service,
  // reading one merged file by the most specific key, then finds what lookup()
  // would for every image.
  std::string header_for_all() const;

  // Where lookup(image) found its answer ("" if nowhere); no secrets.
  std::string source_of(std::string_view image) const;

  // What a registry's own authentication for `image` sends (its Basic
  // challenge, or a token request to the realm for `service` and `scope`):
  // lookup(image), encoded. Looks up once, so a notice is given once.
  RegistryLogin registry_login(std::string_view image, std::string_view service, std::string_view scope) const;

private:
  struct Entry {
    std::string key;    // normalised: host[/path]
    std::string helper; // credHelpers: the helper's name (no credential then)
    Credential credential;
    std::string source;
  };
  struct Notices;

  // The entry lookup(image) stops at, if any: the one rule, applied to the
  // repository `image` names.
  const Entry* find(std::string_view image) const;
  // The rule itself, for a repository key ("registry[/path]") and its registry.
  const Entry* find_key(const std::string& repository, const std::string& registry) const;
  void notice(const std::string& message) const;

  std::optional<Credential> m_creds;                         // --creds applies to the target registry
  std::vector<Entry> m_entries;                              // in search order; in each file, helpers first
  std::vector<std::pair<std::string, std::string>> m_stores; // credsStore: file, store
  std::shared_ptr<Notices> m_notices;
};

// Normalises an auth-file key: "https://index.docker.io/v1/" → "docker.io",
// "http://quay.io/" → "quay.io", "registry-1.docker.io" → "docker.io".
std::string normalize_key(std::string_view key);

// The multi-registry form: base64url (padded) of {"registry[/path]": {"username","password"}, …}.
std::string registry_config_header(const std::map<std::string, Credential>& credentials);

} // namespace pma::auth
