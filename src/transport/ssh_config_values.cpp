// The values of ssh_config(5) that stand on their own: ProxyJump's hop list,
// the standard files, StrictHostKeyChecking's meaning (ssh_config.hpp).
#include <pma/transport/ssh_config.hpp>
#include <pma/transport/url.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <pwd.h>
#include <unistd.h>

namespace pma::transport {

using util::ErrorClass;
using util::Result;

bool
SshHostConfig::accepts_new_host_keys() const
{
  return strict_host_key_checking == "accept-new" || strict_host_key_checking == "no" ||
         strict_host_key_checking == "off";
}

SshConfigFiles
SshConfigFiles::standard()
{
  SshConfigFiles files;
  files.files = {util::home_dir() / ".ssh" / "config", "/etc/ssh/ssh_config"};
  files.local_user = util::env("USER");
  if (files.local_user.empty()) {
    if (const passwd* entry = ::getpwuid(::geteuid()); entry != nullptr) {
      files.local_user = entry->pw_name;
    }
  }
  return files;
}

Result<std::vector<SshJump>>
parse_proxy_jump(const std::string& value, const std::string& origin)
{
  std::vector<SshJump> jumps;
  if (util::to_lower(value) == "none") {
    return jumps;
  }
  for (const auto& item : util::split(value, ',')) {
    std::string_view hop = item;
    if (hop.starts_with("ssh://")) {
      hop.remove_prefix(6);
      while (hop.ends_with('/')) {
        hop.remove_suffix(1);
      }
    }
    SshJump jump;
    if (const size_t at = hop.rfind('@'); at != std::string_view::npos) {
      jump.user = hop.substr(0, at);
      hop.remove_prefix(at + 1);
    }
    PMA_TRY_ASSIGN(const auto host_port, parse_host_port(hop, fmt::format("{}: ProxyJump hop", origin)));
    if (host_port.host.empty() || (jump.user.empty() && item.find('@') != std::string::npos)) {
      return util::fail(ErrorClass::config, fmt::format("{}: ProxyJump hop \"{}\" names no host", origin, item));
    }
    jump.host = host_port.host;
    jump.port = host_port.port;
    jumps.push_back(std::move(jump));
  }
  if (jumps.empty()) {
    return util::fail(ErrorClass::config, fmt::format("{}: ProxyJump names no host", origin));
  }
  return jumps;
}

} // namespace pma::transport
