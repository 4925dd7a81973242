// The options several commands share (options.hpp).
#include "options.hpp"

#include <pma/config/config_file.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <fstream>

namespace pma::cli {

namespace {

std::string
search_path()
{
  auto places = config::config_search_path();
  places.erase(places.begin()); // "--config FILE" itself
  return util::join(places, ", ");
}

} // namespace

const std::vector<GlobalOption>&
global_options()
{
  static const std::vector<GlobalOption> table = {
      {.name = "help", .short_name = "h", .summary = "Show this help", .completion = "Show help"},
      {.name = "version",
       .alias = "-v",
       .summary = "Show the version",
       .completion = "Show the version",
       .before_command_only = true},
      {.name = "config",
       .value_name = "FILE",
       .usage_value = "FILE",
       .summary = "Configuration file",
       .completion = "Configuration file"},
      {.name = "log-level",
       .value_name = "LEVEL",
       .usage_value = "L",
       .summary = "Diagnostics on stderr: error, warn, info, debug",
       .completion = "Diagnostics on stderr: error, warn, info, debug",
       .choices = {"error", "warn", "info", "debug"}},
  };
  return table;
}

const std::vector<Option>&
command_global_options()
{
  static const std::vector<Option> table = [] {
    std::vector<Option> out;
    for (const auto& global : global_options()) {
      if (global.before_command_only) {
        continue;
      }
      // parse() checks --log-level, given here or before the command name.
      Option option{.group = "Global",
                    .names = global.short_name.empty() ? std::string(global.name)
                                                       : fmt::format("{},{}", global.short_name, global.name),
                    .description = std::string(global.summary),
                    .value_name = std::string(global.value_name),
                    .choices = global.choices,
                    .command_checks_choices = true};
      if (!global.value_name.empty()) {
        option.value = cxxopts::value<std::string>();
      }
      if (global.name == "config") {
        option.description += " (default: the first of " + search_path() + ")";
      }
      out.push_back(std::move(option));
    }
    return out;
  }();
  return table;
}

std::vector<Option>
host_selection_options()
{
  const std::string group = "Host selection";
  return {
      {group, "host",
       "Host to use: a configured name, a podman connection, a URL, or [PLATFORMS@]NAME=URL (repeatable)",
       cxxopts::value<std::vector<std::string>>(), "HOST"},
      {group, "farm", "Use every host of this farm (config or podman farm)", cxxopts::value<std::string>(), "NAME"},
      {group, "connection", "Use this podman system connection (repeatable)",
       cxxopts::value<std::vector<std::string>>(), "NAME"},
      {group, "identity", "SSH private key for ssh:// hosts without their own", cxxopts::value<std::string>(), "KEY"},
      {group, "ssh-accept-new-host-keys",
       "Trust and record the host key of SSH hosts not yet in known_hosts (changed keys are always refused)"},
      {group, "connect-timeout", "Give up connecting to a host after this long",
       cxxopts::value<std::string>()->default_value("10s"), "DURATION"},
  };
}

std::vector<Option>
registry_options(const std::string& group)
{
  return {
      {group, "authfile", "Registry auth file (default: containers-auth.json search order)",
       cxxopts::value<std::string>(), "FILE"},
      {group, "creds", "Registry credentials USER:PASSWORD (prefer --authfile: arguments are visible to other users)",
       cxxopts::value<std::string>(), "USER:PASSWORD"},
      {group, "tls-verify", "Require HTTPS and verified certificates for registries",
       cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL"},
  };
}

std::vector<Option>
retry_options()
{
  return {
      {"Retry", "retry", "Retry a push this many times after a network or registry failure (not after auth errors)",
       cxxopts::value<int>()->default_value("3"), "N"},
      {"Retry", "retry-delay", "Wait before the first retry; doubled after each one",
       cxxopts::value<std::string>()->default_value("2s"), "DURATION"},
  };
}

std::vector<Option>
transfer_options()
{
  return {
      {"Transfer",
       "compress",
       "Compress the build context sent to hosts: auto (zstd over ssh and tcp, none on a local socket), none, "
       "gzip[:LEVEL], zstd[:LEVEL]",
       cxxopts::value<std::string>()->default_value("auto"),
       "MODE",
       {"auto", "none", "gzip", "zstd"},
       k_checked_by_command},
  };
}

util::Result<std::optional<context::Compression>>
compression(const Invocation& call)
{
  const auto text = call.get<std::string>("compress");
  if (text == "auto") {
    return std::optional<context::Compression>{};
  }
  PMA_TRY_ASSIGN(auto chosen, context::parse_compression(text));
  return std::optional{chosen};
}

app::HostChoice
host_choice(const Invocation& call)
{
  return {.config_file = call.config_file(),
          .hosts = call.texts("host"),
          .connections = call.texts("connection"),
          .farm = call.text("farm"),
          .identity = call.text("identity"),
          .connect_timeout = call.get<std::string>("connect-timeout"),
          .accept_new_host_keys = call.given("ssh-accept-new-host-keys")};
}

auth::AuthOptions
auth_options(const Invocation& call)
{
  return {call.text("authfile").value_or(""), call.text("creds").value_or("")};
}

bool
hosts_named(const Invocation& call)
{
  return call.given("host") || call.given("connection") || call.given("farm");
}

util::Result<void>
write_text(const std::string& path, const std::string& text)
{
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out.flush()) {
    return util::fail(util::ErrorClass::usage, fmt::format("cannot write {}", path));
  }
  return {};
}

std::vector<Option>
joined(std::vector<Option> a, const std::vector<std::vector<Option>>& more)
{
  for (const auto& options : more) {
    a.insert(a.end(), options.begin(), options.end());
  }
  return a;
}

} // namespace pma::cli
