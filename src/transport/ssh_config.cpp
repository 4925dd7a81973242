// ssh_config(5), as the OpenSSH client reads it for one host (ssh_config.hpp).
#include <pma/transport/ssh_config.hpp>
#include <pma/transport/url.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <fnmatch.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <fstream>
#include <utility>

namespace pma::transport {

using util::ErrorClass;
using util::Result;

namespace {

namespace fs = std::filesystem;

constexpr int k_max_include_depth = 16; // OpenSSH's READCONF_MAX_DEPTH

// The line's arguments: whitespace separated, "…" or '…' grouping (quotes removed).
Result<std::vector<std::string>>
split_arguments(std::string_view text, const std::string& origin)
{
  std::vector<std::string> args;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) != 0) {
      ++i;
    }
    if (i == text.size()) {
      break;
    }
    std::string arg;
    if (text[i] == '"' || text[i] == '\'') {
      const char quote = text[i++];
      const size_t end = text.find(quote, i);
      if (end == std::string_view::npos) {
        return util::fail(ErrorClass::config, fmt::format("{}: unterminated quote", origin));
      }
      arg = text.substr(i, end - i);
      i = end + 1;
    } else {
      const size_t start = i;
      while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i])) == 0) {
        ++i;
      }
      arg = text.substr(start, i - start);
    }
    args.push_back(std::move(arg));
  }
  return args;
}

// OpenSSH's pattern lists: "*" and "?" wildcards, "!" negates; matched
// without regard to case. True when a positive pattern matches and no
// negated one does.
bool
matches_pattern_list(const std::string& name, const std::vector<std::string>& patterns)
{
  const std::string subject = util::to_lower(name);
  bool matched = false;
  for (const auto& item : patterns) {
    for (const auto& raw : util::split(item, ',')) {
      const bool negated = raw.starts_with('!');
      const std::string pattern = util::to_lower(negated ? raw.substr(1) : raw);
      if (pattern.empty()) {
        continue;
      }
      if (::fnmatch(pattern.c_str(), subject.c_str(), FNM_NOESCAPE) == 0) {
        if (negated) {
          return false;
        }
        matched = true;
      }
    }
  }
  return matched;
}

Result<int>
number(const std::string& text, const std::string& origin, const char* keyword, const int max)
{
  int value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc{} || end != text.data() + text.size() || value < 0 || value > max) {
    return util::fail(ErrorClass::config,
                      fmt::format("{}: {} \"{}\" is not a number from 0 to {}", origin, keyword, text, max));
  }
  return value;
}

std::string
local_host_name()
{
  char name[256] = {};
  return ::gethostname(name, sizeof(name) - 1) == 0 ? name : "";
}

class Reader {
public:
  Reader(const std::string& alias, std::string user, const SshConfigFiles& files)
    : m_user(std::move(user))
    , m_files(files)
  {
    m_config.alias = alias;
  }

  Result<SshHostConfig>
  run()
  {
    for (size_t i = 0; i < m_files.files.size(); ++i) {
      const fs::path& file = m_files.files[i];
      const bool user_file = i == 0 && m_files.files.size() > 1;
      m_include_base = user_file ? util::home_dir() / ".ssh" : fs::path("/etc/ssh");
      PMA_TRY(read_file(file, 0, /*must_exist=*/false));
    }
    PMA_TRY(finish());
    return m_config;
  }

private:
  Result<void>
  read_file(const fs::path& file, const int depth, const bool must_exist)
  {
    std::ifstream in(file);
    if (!in) {
      if (must_exist) {
        return util::fail(ErrorClass::config, fmt::format("cannot read SSH configuration {}", file.string()));
      }
      return {};
    }
    m_config.files_read.push_back(file.string());
    bool active = true; // lines before the first Host or Match apply to every host
    std::string line;
    int number = 0;
    while (std::getline(in, line)) {
      ++number;
      PMA_TRY(read_line(line, fmt::format("{}:{}", file.string(), number), depth, active));
    }
    return {};
  }

  Result<void>
  read_line(std::string_view line, const std::string& origin, const int depth, bool& active)
  {
    const size_t start = line.find_first_not_of(" \t\r");
    if (start == std::string_view::npos || line[start] == '#') {
      return {};
    }
    line.remove_prefix(start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) {
      line.remove_suffix(1);
    }
    const size_t key_end = line.find_first_of(" \t=");
    const std::string keyword = util::to_lower(std::string(line.substr(0, key_end)));
    std::string_view rest = key_end == std::string_view::npos ? std::string_view{} : line.substr(key_end);
    const size_t value_start = rest.find_first_not_of(" \t");
    rest = value_start == std::string_view::npos ? std::string_view{} : rest.substr(value_start);
    if (rest.starts_with('=')) {
      rest.remove_prefix(1);
    }
    PMA_TRY_ASSIGN(const auto args, split_arguments(rest, origin));
    if (args.empty()) {
      return util::fail(ErrorClass::config, fmt::format("{}: {} needs a value", origin, keyword));
    }
    if (keyword == "host") {
      active = matches_pattern_list(m_config.alias, args);
      return {};
    }
    if (keyword == "match") {
      PMA_TRY_ASSIGN(active, match(args, origin));
      return {};
    }
    if (keyword == "include") {
      return active ? include(args, origin, depth) : Result<void>{};
    }
    if (!active) {
      return {};
    }
    return apply(keyword, args, origin);
  }

  Result<bool>
  match(const std::vector<std::string>& args, const std::string& origin)
  {
    bool result = true;
    for (size_t i = 0; i < args.size(); ++i) {
      const bool negated = args[i].starts_with('!');
      const std::string criterion = util::to_lower(negated ? args[i].substr(1) : args[i]);
      bool met = false;
      if (criterion == "all" || criterion == "final") {
        met = true; // final: one pass here, which is the final one
      } else if (criterion == "canonical") {
        met = false; // no CanonicalizeHostname here
      } else if (criterion == "host" || criterion == "originalhost" || criterion == "user" ||
                 criterion == "localuser" || criterion == "exec") {
        if (i + 1 == args.size()) {
          return util::fail(ErrorClass::config, fmt::format("{}: Match {} needs an argument", origin, criterion));
        }
        const std::string& argument = args[++i];
        if (criterion == "exec") {
          util::log::debug("{}: Match exec is not evaluated (it would run a program): the block does not apply",
                           origin);
          met = false;
        } else {
          const std::string subject = criterion == "host"           ? current_host_name()
                                      : criterion == "originalhost" ? m_config.alias
                                      : criterion == "user"         ? remote_user()
                                                                    : m_files.local_user;
          met = matches_pattern_list(subject, {argument});
        }
      } else {
        // A criterion of a newer OpenSSH (tagged, localnetwork, …): its block
        // does not apply here, rather than every host failing on it.
        util::log::warn("{}: Match criterion \"{}\" is not supported: the block is skipped", origin, args[i]);
        ++i; // its argument
        met = false;
      }
      result = result && (negated ? !met : met);
    }
    return result;
  }

  Result<void>
  include(const std::vector<std::string>& args, const std::string& origin, const int depth)
  {
    if (depth >= k_max_include_depth) {
      return util::fail(ErrorClass::config, fmt::format("{}: Include nested too deeply", origin));
    }
    for (const auto& arg : args) {
      fs::path pattern = util::expand_user(arg);
      if (pattern.is_relative()) {
        pattern = m_include_base / pattern;
      }
      std::vector<fs::path> files;
      glob_t found{};
      if (::glob(pattern.c_str(), 0, nullptr, &found) == 0) {
        files.assign(found.gl_pathv, found.gl_pathv + found.gl_pathc);
      }
      ::globfree(&found);
      for (const auto& file : files) {
        PMA_TRY(read_file(file, depth + 1, /*must_exist=*/true));
      }
    }
    return {};
  }

  Result<void>
  apply(const std::string& keyword, const std::vector<std::string>& args, const std::string& origin)
  {
    const std::string& value = args.front();
    if (keyword == "hostname") {
      set_once(m_host_name, value, origin);
    } else if (keyword == "port") {
      if (m_config.port == 0) {
        PMA_TRY_ASSIGN(const int port, number(value, origin, "Port", 65535));
        m_config.port = static_cast<uint16_t>(port);
      }
    } else if (keyword == "user") {
      set_once(m_user_value, value, origin);
    } else if (keyword == "identityfile") {
      m_identity_files.push_back({value, origin});
    } else if (keyword == "identitiesonly") {
      if (!m_identities_only_set) {
        PMA_TRY_ASSIGN(m_config.identities_only, yes_no(value, origin, keyword));
        m_identities_only_set = true;
      }
    } else if (keyword == "userknownhostsfile") {
      if (m_known_hosts.empty()) {
        for (const auto& file : args) {
          m_known_hosts.push_back({file, origin});
        }
      }
    } else if (keyword == "stricthostkeychecking") {
      if (m_config.strict_host_key_checking.empty()) {
        const std::string choice = util::to_lower(value);
        if (choice != "yes" && choice != "no" && choice != "ask" && choice != "accept-new" && choice != "off") {
          return util::fail(
              ErrorClass::config,
              fmt::format("{}: StrictHostKeyChecking \"{}\": use yes, no, ask, accept-new or off", origin, value));
        }
        m_config.strict_host_key_checking = choice;
      }
    } else if (keyword == "proxyjump" || keyword == "proxycommand") {
      // Whichever comes first wins (ssh_config(5), ProxyJump).
      if (!m_proxy_set) {
        m_proxy_set = true;
        if (keyword == "proxyjump") {
          PMA_TRY_ASSIGN(m_config.proxy_jump, parse_proxy_jump(value, origin));
          m_config.proxy_jump_origin = origin;
        } else if (util::to_lower(value) != "none") {
          m_config.proxy_command = SshConfigValue{util::join(args, " "), origin};
        }
      }
    } else if (keyword == "serveraliveinterval") {
      if (m_config.server_alive_interval < 0) {
        PMA_TRY_ASSIGN(m_config.server_alive_interval, number(value, origin, "ServerAliveInterval", 86400));
      }
    } else if (keyword == "serveralivecountmax") {
      if (m_config.server_alive_count_max < 0) {
        PMA_TRY_ASSIGN(m_config.server_alive_count_max, number(value, origin, "ServerAliveCountMax", 1000));
      }
    }
    // Every other keyword is not ours to honour (see podman-multiarch-config(5)).
    return {};
  }

  static Result<bool>
  yes_no(const std::string& value, const std::string& origin, const std::string& keyword)
  {
    const std::string choice = util::to_lower(value);
    if (choice == "yes" || choice == "true") {
      return true;
    }
    if (choice == "no" || choice == "false") {
      return false;
    }
    return util::fail(ErrorClass::config, fmt::format("{}: {} \"{}\": use yes or no", origin, keyword, value));
  }

  static void
  set_once(std::optional<SshConfigValue>& slot, const std::string& value, const std::string& origin)
  {
    if (!slot) {
      slot = SshConfigValue{value, origin};
    }
  }

  std::string
  current_host_name() const
  {
    return m_host_name ? expand_host_name(m_host_name->value) : m_config.alias;
  }

  std::string
  remote_user() const
  {
    if (!m_user.empty()) {
      return m_user;
    }
    return m_user_value ? m_user_value->value : m_files.local_user;
  }

  // HostName takes %h (the alias) and %%.
  std::string
  expand_host_name(const std::string& value) const
  {
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] == '%' && i + 1 < value.size() && (value[i + 1] == 'h' || value[i + 1] == '%')) {
        out += value[i + 1] == 'h' ? m_config.alias : "%";
        ++i;
      } else {
        out += value[i];
      }
    }
    return out;
  }

  // ~ and the tokens of IdentityFile and UserKnownHostsFile.
  Result<fs::path>
  expand_path(const SshConfigValue& item) const
  {
    const std::string& value = item.value;
    std::string out;
    for (size_t i = 0; i < value.size(); ++i) {
      if (value[i] != '%') {
        out += value[i];
        continue;
      }
      if (i + 1 == value.size()) {
        return util::fail(ErrorClass::config, fmt::format("{}: \"{}\" ends with %", item.origin, value));
      }
      const char token = value[++i];
      switch (token) {
      case '%':
        out += '%';
        break;
      case 'd':
        out += util::home_dir().string();
        break;
      case 'h':
        out += m_config.host_name;
        break;
      case 'n':
        out += m_config.alias;
        break;
      case 'p':
        out += std::to_string(m_config.port == 0 ? 22 : m_config.port);
        break;
      case 'r':
        out += remote_user();
        break;
      case 'u':
        out += m_files.local_user;
        break;
      case 'l':
        out += local_host_name();
        break;
      case 'L': {
        const std::string name = local_host_name();
        out += name.substr(0, name.find('.'));
        break;
      }
      default:
        return util::fail(ErrorClass::config,
                          fmt::format("{}: \"{}\": token %{} is not supported here", item.origin, value, token));
      }
    }
    return util::expand_user(out);
  }

  Result<void>
  finish()
  {
    m_config.host_name = current_host_name();
    if (m_user_value) {
      m_config.user = m_user_value->value;
    }
    for (const auto& item : m_identity_files) {
      PMA_TRY_ASSIGN(auto path, expand_path(item));
      m_config.identity_files.push_back(std::move(path));
    }
    for (const auto& item : m_known_hosts) {
      if (util::to_lower(item.value) == "none") {
        continue;
      }
      PMA_TRY_ASSIGN(auto path, expand_path(item));
      m_config.known_hosts_files.push_back(std::move(path));
    }
    return {};
  }

  const std::string m_user;
  const SshConfigFiles& m_files;
  SshHostConfig m_config;
  fs::path m_include_base;
  std::optional<SshConfigValue> m_host_name;
  std::optional<SshConfigValue> m_user_value;
  std::vector<SshConfigValue> m_identity_files;
  std::vector<SshConfigValue> m_known_hosts;
  bool m_identities_only_set = false;
  bool m_proxy_set = false;
};

} // namespace

Result<SshHostConfig>
resolve_ssh_config(const std::string& alias, const std::string& user, const SshConfigFiles& files)
{
  return Reader(alias, user, files).run();
}

} // namespace pma::transport
