// SSH sessions (libssh, with ssh_bridge.cpp and ssh_pipe.cpp the only files
// that include it): resolve the host as ssh_config says, reach it (through
// jump hosts if ProxyJump says so), check the host key against known_hosts,
// authenticate.
#include "ssh_session.hpp"

#include <pma/transport/ssh_config.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <optional>
#include <thread>

#include "ssh_pipe.hpp"
#include "ssh_tunnel.hpp"

namespace pma::transport::detail {

using util::Error;
using util::ErrorClass;
using util::Result;

namespace fs = std::filesystem;

namespace {

using SshKey = std::unique_ptr<ssh_key_struct, decltype(&ssh_key_free)>;
using RawSession = std::unique_ptr<ssh_session_struct, decltype(&ssh_free)>;

constexpr int k_max_jump_depth = 8;

// One SSH server to reach, with everything that decides how.
struct Target {
  std::string alias; // as written (URL host, ProxyJump hop)
  std::string host;  // where to connect: HostName, else the alias
  uint16_t port = 22;
  std::string user; // empty: the local user
  std::string password;
  std::vector<fs::path> identities;
  bool explicit_identity = false; // identity: / --identity: that key alone
  bool identities_only = false;
  fs::path known_hosts;
  bool accept_new = false;
  KeepAlive keepalive;
  std::vector<SshJump> jumps;
  bool hop = false; // a jump host: named in messages (the URL names the target)

  // "[host]:port" or "host", as OpenSSH writes known_hosts entries.
  std::string
  known_hosts_name() const
  {
    const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return port == 22 ? shown : fmt::format("[{}]:{}", host, port);
  }
  std::string
  label() const
  {
    const std::string shown = host.find(':') != std::string::npos ? "[" + host + "]" : host;
    return alias == host ? fmt::format("{}:{}", shown, port) : fmt::format("{} ({}:{})", alias, shown, port);
  }
};

// The target `alias` names: what the URL (or hop) says first, then ssh_config, then defaults.
Result<Target>
resolve_target(const std::string& alias, const std::string& user, const uint16_t port, const DialOptions& options,
               const SshConfigFiles& files, const bool is_hop)
{
  PMA_TRY_ASSIGN(const auto config, resolve_ssh_config(alias, user, files));
  if (config.proxy_command) {
    return util::Unexpected(
        Error(ErrorClass::config,
              fmt::format("{}: ProxyCommand applies to {}: podman-multiarch never starts programs",
                          config.proxy_command->origin, alias),
              "reach the host with ProxyJump (done in-process), or give it a Host block without ProxyCommand"));
  }
  Target target;
  target.alias = alias;
  target.host = config.host_name;
  target.port = port != 0 ? port : config.port != 0 ? config.port : 22;
  target.user = !user.empty() ? user : config.user;
  if (!is_hop && !options.identity.empty()) {
    target.identities = {options.identity};
    target.explicit_identity = true;
  } else {
    target.identities = config.identity_files;
    target.identities_only = config.identities_only;
  }
  target.known_hosts = !options.known_hosts.empty()        ? options.known_hosts
                       : !config.known_hosts_files.empty() ? config.known_hosts_files.front()
                                                           : util::home_dir() / ".ssh" / "known_hosts";
  target.accept_new = options.accept_new_host_keys || config.accepts_new_host_keys();
  if (config.server_alive_interval >= 0) {
    target.keepalive.interval = std::chrono::seconds(config.server_alive_interval);
  }
  if (config.server_alive_count_max >= 0) {
    target.keepalive.count_max = std::max(1, config.server_alive_count_max);
  }
  target.jumps = config.proxy_jump;
  target.hop = is_hop;
  return target;
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
verify_host_key(ssh_session session, const Target& target)
{
  PMA_TRY_ASSIGN(const Fingerprint fingerprint, server_fingerprint(session));
  const std::string name = target.known_hosts_name();
  const std::string key_text = fmt::format("{} key {}", fingerprint.type, fingerprint.sha256);
  const std::string known_hosts = target.known_hosts.string();
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
                    name, known_hosts)));
  case SSH_KNOWN_HOSTS_UNKNOWN:
  case SSH_KNOWN_HOSTS_NOT_FOUND:
    if (target.accept_new) {
      if (ssh_session_update_known_hosts(session) != SSH_OK) {
        return util::Unexpected(Error(ErrorClass::ssh_hostkey, fmt::format("cannot add the host key of {} to {}: {}",
                                                                           name, known_hosts, ssh_get_error(session))));
      }
      util::log::warn("added the host key of {} ({}) to {}", name, key_text, known_hosts);
      return {};
    }
    return util::Unexpected(
        Error(ErrorClass::ssh_hostkey,
              fmt::format("host key of {} is not known ({}; not in {})", name, key_text, known_hosts),
              fmt::format("check the fingerprint with the host's administrator, then trust it with "
                          "ssh-keyscan -p {} {} >> {} (or run once with --ssh-accept-new-host-keys)",
                          target.port, target.host, known_hosts)));
  case SSH_KNOWN_HOSTS_ERROR:
    break;
  }
  return util::Unexpected(Error(ErrorClass::ssh_hostkey, fmt::format("cannot check the host key of {} against {}: {}",
                                                                     name, known_hosts, ssh_get_error(session))));
}

// As OpenSSH: ssh-agent's keys (unless IdentitiesOnly), then each
// IdentityFile that exists; with none configured, the agent and the default
// keys. An explicit identity (identity:, --identity) is the only key tried.
Result<void>
authenticate(ssh_session session, const Target& target)
{
  // Lists the server's methods; "success" means no authentication is required.
  if (ssh_userauth_none(session, nullptr) == SSH_AUTH_SUCCESS) {
    return {};
  }
  std::vector<std::string> tried;
  if (target.identities.empty()) {
    if (ssh_userauth_publickey_auto(session, nullptr, nullptr) == SSH_AUTH_SUCCESS) {
      return {};
    }
    tried.emplace_back("ssh-agent and default keys");
  } else if (!target.explicit_identity && !target.identities_only) {
    if (ssh_userauth_agent(session, nullptr) == SSH_AUTH_SUCCESS) {
      return {};
    }
    tried.emplace_back("ssh-agent");
  }
  const std::string passphrase = util::env("CONTAINER_PASSPHRASE");
  for (const auto& identity : target.identities) {
    ssh_key raw = nullptr;
    if (ssh_pki_import_privkey_file(identity.c_str(), passphrase.empty() ? nullptr : passphrase.c_str(), nullptr,
                                    nullptr, &raw) != SSH_OK) {
      const bool exists = fs::exists(identity);
      if (target.explicit_identity) {
        return util::Unexpected(Error(
            ErrorClass::ssh_auth,
            exists ? fmt::format("cannot load SSH identity {} (encrypted or not a private key)", identity.string())
                   : fmt::format("SSH identity {} does not exist", identity.string()),
            exists ? "load the key into ssh-agent and drop identity:, or set CONTAINER_PASSPHRASE" : ""));
      }
      if (exists) {
        util::log::debug("ssh {}: cannot load IdentityFile {} (encrypted?)", target.label(), identity.string());
      }
      continue; // OpenSSH skips an IdentityFile that is not there
    }
    const SshKey key(raw, &ssh_key_free);
    if (ssh_userauth_publickey(session, nullptr, key.get()) == SSH_AUTH_SUCCESS) {
      return {};
    }
    tried.push_back("identity " + identity.string());
  }
  if (!target.password.empty() &&
      ssh_userauth_password(session, nullptr, target.password.c_str()) == SSH_AUTH_SUCCESS) {
    return {};
  }
  return util::Unexpected(Error(ErrorClass::ssh_auth,
                                fmt::format("SSH server{} refused authentication as {} (tried {})",
                                            target.hop ? " " + target.label() + " (a jump host)" : "",
                                            target.user.empty() ? "the local user" : target.user,
                                            tried.empty() ? std::string("no key") : util::join(tried, ", ")),
                                "check identity: / --identity / CONTAINER_SSHKEY, IdentityFile in ~/.ssh/config, "
                                "and the host's authorized_keys"));
}

// Connects to `target` (over `fd` when reached through a jump host: libssh
// then owns it), checks its key and authenticates.
Result<RawSession>
connect_one(const Target& target, const int fd, const DialOptions& options, const std::string& through)
{
  RawSession session(ssh_new(), &ssh_free);
  if (!session) {
    if (fd >= 0) {
      ::close(fd);
    }
    return util::Unexpected(Error(ErrorClass::internal, "cannot create an SSH session"));
  }
  const long timeout_seconds = std::max<long>(
      1, static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(options.connect_timeout).count()));
  const int port = target.port;
  const bool process_config = false; // read by ssh_config.cpp, which never runs programs
  ssh_session s = session.get();
  ssh_options_set(s, SSH_OPTIONS_PROCESS_CONFIG, &process_config);
  ssh_options_set(s, SSH_OPTIONS_HOST, target.host.c_str());
  ssh_options_set(s, SSH_OPTIONS_PORT, &port);
  if (!target.user.empty()) {
    ssh_options_set(s, SSH_OPTIONS_USER, target.user.c_str());
  }
  ssh_options_set(s, SSH_OPTIONS_KNOWNHOSTS, target.known_hosts.c_str());
  ssh_options_set(s, SSH_OPTIONS_TIMEOUT, &timeout_seconds);
  if (fd >= 0) {
    socket_t socket = fd;
    ssh_options_set(s, SSH_OPTIONS_FD, &socket);
  } else {
    const int nodelay = 1; // small HTTP exchanges must not wait for delayed ACKs (40 ms each)
    ssh_options_set(s, SSH_OPTIONS_NODELAY, &nodelay);
  }
  if (ssh_connect(s) != SSH_OK) {
    const std::string cause = ssh_get_error(s);
    const bool timed_out = cause.find("imeout") != std::string::npos || cause.find("timed out") != std::string::npos;
    return util::Unexpected(
        Error(timed_out ? ErrorClass::timeout : ErrorClass::connect,
              fmt::format("cannot connect to SSH server {}{}: {}", target.label(), through, cause)));
  }
  PMA_TRY(verify_host_key(s, target));
  PMA_TRY(authenticate(s, target));
  return session;
}

} // namespace

class SessionOpener {
public:
  explicit SessionOpener(const DialOptions& options)
    : m_options(options)
    , m_files(SshConfigFiles::standard())
  {
  }

  Result<SshSession>
  open(const HostUrl& url)
  {
    PMA_TRY_ASSIGN(Target target, resolve_target(url.host, url.user, url.port, m_options, m_files, false));
    target.password = url.password;
    return open(target, 0);
  }

private:
  // `target`, through its jump hosts (each resolved from ssh_config, the
  // first with its own ProxyJump if it has one).
  Result<SshSession>
  open(const Target& target, const int depth)
  {
    if (depth > k_max_jump_depth) {
      return util::fail(ErrorClass::config,
                        fmt::format("ProxyJump to {} nests more than {} jump hosts", target.alias, k_max_jump_depth));
    }
    SshSession session;
    session.m_keepalive = target.keepalive;
    int fd = -1;
    std::string through;
    if (!target.jumps.empty()) {
      std::vector<Target> hops;
      for (const auto& jump : target.jumps) {
        PMA_TRY_ASSIGN(auto hop, resolve_target(jump.host, jump.user, jump.port, m_options, m_files, true));
        hops.push_back(std::move(hop));
      }
      // As ssh -J A,B: A as its own configuration says (its ProxyJump
      // included), each later hop through the one before it.
      PMA_TRY_ASSIGN(SshSession previous, open(hops.front(), depth + 1));
      for (size_t i = 1; i < hops.size(); ++i) {
        hops[i].jumps.clear();
        PMA_TRY_ASSIGN(previous, over(std::move(previous), hops[i], hops[i - 1].label()));
      }
      through = " through jump host " + joined(hops, ", ", [](const Target& hop) { return hop.label(); });
      PMA_TRY_ASSIGN(fd, tunnel(std::move(previous), target, hops.back().label(), session));
      session.m_route = "via " + joined(hops, ",", [](const Target& hop) { return hop.alias; });
    }
    PMA_TRY_ASSIGN(session.m_session, connect_one(target, fd, m_options, through));
    return session;
  }

  // `next`, reached through `hop` (which the new session keeps alive).
  Result<SshSession>
  over(SshSession hop, const Target& next, const std::string& hop_label)
  {
    SshSession session;
    session.m_keepalive = next.keepalive;
    PMA_TRY_ASSIGN(const int fd, tunnel(std::move(hop), next, hop_label, session));
    PMA_TRY_ASSIGN(session.m_session, connect_one(next, fd, m_options, " through jump host " + hop_label));
    return session;
  }

  // Opens a direct-tcpip channel from `hop` to `next` and gives `owner` the
  // tunnel; returns the socket the session to `next` runs over.
  static Result<int>
  tunnel(SshSession hop, const Target& next, const std::string& hop_label, SshSession& owner)
  {
    ssh_channel channel = ssh_channel_new(hop.get());
    if (channel == nullptr ||
        ssh_channel_open_forward(channel, next.host.c_str(), next.port, "127.0.0.1", 0) != SSH_OK) {
      const std::string cause = ssh_get_error(hop.get());
      if (channel != nullptr) {
        ssh_channel_free(channel);
      }
      return util::Unexpected(
          Error(ErrorClass::connect, fmt::format("jump host {} cannot reach {}: {}", hop_label, next.label(), cause),
                "does its sshd allow TCP forwarding (AllowTcpForwarding), and can it resolve and reach the host?"));
    }
    int pair[2] = {-1, -1};
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
      ssh_channel_free(channel);
      return util::Unexpected(Error(ErrorClass::internal, fmt::format("socketpair: {}", std::strerror(errno))));
    }
    ::fcntl(pair[0], F_SETFL, ::fcntl(pair[0], F_GETFL) | O_NONBLOCK);
    Pipe pipe;
    pipe.fd = pair[0];
    pipe.channel = channel;
    owner.m_tunnels.push_back(std::make_unique<JumpTunnel>(std::move(hop), pipe, hop_label));
    return pair[1];
  }

  // Each hop's `name`, joined by `separator`.
  template <typename Name>
  static std::string
  joined(const std::vector<Target>& hops, const char* separator, Name name)
  {
    std::vector<std::string> names;
    names.reserve(hops.size());
    for (const auto& hop : hops) {
      names.push_back(name(hop));
    }
    return util::join(names, separator);
  }

  const DialOptions& m_options;
  const SshConfigFiles m_files;
};

SshSession::SshSession(SshSession&&) noexcept = default;
SshSession& SshSession::operator=(SshSession&&) noexcept = default;
SshSession::~SshSession() = default;

Result<SshSession>
open_session(const HostUrl& url, const DialOptions& options)
{
  return SessionOpener(options).open(url);
}

} // namespace pma::transport::detail
