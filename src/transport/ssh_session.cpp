// SSH sessions (libssh, with ssh_bridge.cpp the only files that include it):
// connect, check the host key against known_hosts, authenticate.
#include "ssh_session.hpp"

#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pma::transport::detail {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace {

using SshKey = std::unique_ptr<ssh_key_struct, decltype(&ssh_key_free)>;

// "[host]:port" or "host", as OpenSSH writes known_hosts entries.
std::string
known_hosts_name(const HostUrl& url)
{
  const uint16_t port = url.effective_port();
  return port == 22 ? url.host : fmt::format("[{}]:{}", url.host, port);
}

struct Fingerprint {
  std::string type;
  std::string sha256; // "SHA256:…"
};

Result<Fingerprint>
server_fingerprint(ssh_session session)
{
  ssh_key raw = nullptr;
  if (ssh_get_server_publickey(session, &raw) != SSH_OK) {
    return util::Unexpected(Error(ErrorClass::protocol, "cannot read the server's host key"));
  }
  const SshKey key(raw, &ssh_key_free);
  unsigned char* hash = nullptr;
  size_t length = 0;
  if (ssh_get_publickey_hash(key.get(), SSH_PUBLICKEY_HASH_SHA256, &hash, &length) != 0) {
    return util::Unexpected(Error(ErrorClass::protocol, "cannot hash the server's host key"));
  }
  char* text = ssh_get_fingerprint_hash(SSH_PUBLICKEY_HASH_SHA256, hash, length);
  ssh_clean_pubkey_hash(&hash);
  Fingerprint fingerprint{ssh_key_type_to_char(ssh_key_type(key.get())), text ? text : ""};
  ssh_string_free_char(text);
  return fingerprint;
}

Result<void>
verify_host_key(ssh_session session, const HostUrl& url, const std::filesystem::path& known_hosts,
                const bool accept_new)
{
  PMA_TRY_ASSIGN(const Fingerprint fingerprint, server_fingerprint(session));
  const std::string name = known_hosts_name(url);
  const std::string key_text = fmt::format("{} key {}", fingerprint.type, fingerprint.sha256);
  switch (ssh_session_is_known_server(session)) {
  case SSH_KNOWN_HOSTS_OK:
    return {};
  case SSH_KNOWN_HOSTS_CHANGED:
  case SSH_KNOWN_HOSTS_OTHER:
    return util::Unexpected(Error(
        ErrorClass::ssh_hostkey,
        fmt::format("HOST KEY OF {} HAS CHANGED (the server now offers {}); refusing to connect: "
                    "this could be an attack",
                    name, key_text),
        fmt::format("if the change is expected, remove the old key with ssh-keygen -R '{}' -f {} and connect again",
                    name, known_hosts.string())));
  case SSH_KNOWN_HOSTS_UNKNOWN:
  case SSH_KNOWN_HOSTS_NOT_FOUND:
    if (accept_new) {
      if (ssh_session_update_known_hosts(session) != SSH_OK) {
        return util::Unexpected(
            Error(ErrorClass::ssh_hostkey, fmt::format("cannot add the host key of {} to {}: {}", name,
                                                       known_hosts.string(), ssh_get_error(session))));
      }
      util::log::warn("added the host key of {} ({}) to {}", name, key_text, known_hosts.string());
      return {};
    }
    return util::Unexpected(
        Error(ErrorClass::ssh_hostkey,
              fmt::format("host key of {} is not known ({}; not in {})", name, key_text, known_hosts.string()),
              fmt::format("check the fingerprint with the host's administrator, then trust it with "
                          "ssh-keyscan -p {} {} >> {} (or run once with --ssh-accept-new-host-keys)",
                          url.effective_port(), url.host, known_hosts.string())));
  case SSH_KNOWN_HOSTS_ERROR:
    break;
  }
  return util::Unexpected(
      Error(ErrorClass::ssh_hostkey, fmt::format("cannot check the host key of {} against {}: {}", name,
                                                 known_hosts.string(), ssh_get_error(session))));
}

Result<void>
authenticate(ssh_session session, const HostUrl& url, const std::filesystem::path& identity)
{
  // Lists the server's methods; "success" means no authentication is required.
  if (ssh_userauth_none(session, nullptr) == SSH_AUTH_SUCCESS) {
    return {};
  }
  std::string tried;
  if (!identity.empty()) {
    ssh_key raw = nullptr;
    const std::string passphrase = util::env("CONTAINER_PASSPHRASE");
    const int rc = ssh_pki_import_privkey_file(identity.c_str(), passphrase.empty() ? nullptr : passphrase.c_str(),
                                               nullptr, nullptr, &raw);
    if (rc != SSH_OK) {
      const bool exists = std::filesystem::exists(identity);
      return util::Unexpected(
          Error(ErrorClass::ssh_auth,
                exists ? fmt::format("cannot load SSH identity {} (encrypted or not a private key)", identity.string())
                       : fmt::format("SSH identity {} does not exist", identity.string()),
                exists ? "load the key into ssh-agent and drop identity:, or set CONTAINER_PASSPHRASE" : ""));
    }
    const SshKey key(raw, &ssh_key_free);
    if (ssh_userauth_publickey(session, nullptr, key.get()) == SSH_AUTH_SUCCESS) {
      return {};
    }
    tried = "identity " + identity.string();
  } else {
    if (ssh_userauth_publickey_auto(session, nullptr, nullptr) == SSH_AUTH_SUCCESS) {
      return {};
    }
    tried = "ssh-agent and default keys";
  }
  if (!url.password.empty() && ssh_userauth_password(session, nullptr, url.password.c_str()) == SSH_AUTH_SUCCESS) {
    return {};
  }
  return util::Unexpected(Error(ErrorClass::ssh_auth,
                                fmt::format("SSH server refused authentication as {} (tried {})",
                                            url.user.empty() ? "the local user" : url.user, tried),
                                "check identity: / --identity / CONTAINER_SSHKEY and the host's authorized_keys"));
}

} // namespace

Result<SshSession>
open_session(const HostUrl& url, const DialOptions& options)
{
  SshSession session(ssh_new(), &ssh_free);
  if (!session) {
    return util::Unexpected(Error(ErrorClass::internal, "cannot create an SSH session"));
  }
  const std::filesystem::path known_hosts =
      options.known_hosts.empty() ? util::home_dir() / ".ssh" / "known_hosts" : options.known_hosts;
  const long timeout_seconds = std::max<long>(
      1, static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(options.connect_timeout).count()));
  const int port = url.effective_port();
  const bool process_config = false; // ~/.ssh/config may hold ProxyCommand: we never run programs
  ssh_session s = session.get();
  ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set(s, SSH_OPTIONS_HOST, url.host.c_str());
  ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  if (!url.user.empty()) {
    ssh_options_set(s, SSH_OPTIONS_USER, url.user.c_str());
  }
  ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, known_hosts.c_str());
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout_seconds);
  const int nodelay = 1; // small HTTP exchanges must not wait for delayed ACKs (40 ms each)
  ssh_options_set(s, SSH_OPTIONS_NODELAY, &nodelay);

  const std::string label = fmt::format("{}:{}", url.host_for_display(), port);
  if (ssh_connect(s) != SSH_OK) {
    const std::string cause = ssh_get_error(s);
    const bool timed_out = cause.find("imeout") != std::string::npos || cause.find("timed out") != std::string::npos;
    return util::Unexpected(Error(timed_out ? ErrorClass::timeout : ErrorClass::connect,
                                  fmt::format("cannot connect to SSH server {}: {}", label, cause)));
  }
  PMA_TRY(verify_host_key(s, url, known_hosts, options.accept_new_host_keys));
  PMA_TRY(authenticate(s, url, options.identity));
  return session;
}

} // namespace pma::transport::detail
