#include <pma/app/validate.hpp>
#include <pma/cli/command.hpp>
#include <pma/config/config_file.hpp>
#include <pma/config/podman_conf.hpp>
#include <pma/config/selection.hpp>
#include <pma/output/progress_printer.hpp>
#include <pma/output/terminal.hpp>
#include <pma/transport/http.hpp>
#include <pma/util/duration.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pma::cli {

using util::ErrorClass;
using util::Result;

namespace {

// Every "--long" and "-s" name `options` knows.
std::vector<std::string>
option_names(cxxopts::Options& options)
{
  std::vector<std::string> names;
  for (const auto& group : options.groups()) {
    for (const auto& option : options.group_help(group).options) {
      for (const auto& name : option.l) {
        names.push_back("--" + name);
      }
      if (!option.s.empty()) {
        names.push_back("-" + option.s);
      }
    }
  }
  return names;
}

// The first argument that looks like an option `options` does not know.
std::string
first_unknown_option(cxxopts::Options& options, const std::vector<std::string>& args)
{
  const auto names = option_names(options);
  for (const auto& arg : args) {
    if (arg == "--") {
      break;
    }
    if (!arg.starts_with("-") || arg == "-") {
      continue;
    }
    std::string name = arg.starts_with("--") ? arg.substr(0, arg.find('=')) : arg.substr(0, 2);
    if (std::find(names.begin(), names.end(), name) == names.end()) {
      return name;
    }
  }
  return {};
}

std::string
search_path()
{
  auto places = config::config_search_path();
  places.erase(places.begin()); // "--config FILE" itself
  return util::join(places, ", ");
}

} // namespace

cxxopts::Options
make_options(const std::string& command, const std::string& summary)
{
  cxxopts::Options options("podman-multiarch " + command, summary);
  options.set_width(100);
  // clang-format off
  options.add_options("Global")
    ("h,help", "Show this help")
    ("config", "Configuration file (default: the first of " + search_path() + ")",
     cxxopts::value<std::string>(), "FILE")
    ("log-level", "Diagnostics on stderr: error, warn, info, debug", cxxopts::value<std::string>(), "LEVEL");
  return options;
}

void
add_host_selection_options(cxxopts::Options& options)
{
  // clang-format off
  options.add_options("Host selection")
    ("host", "Host to use: a configured name, a podman connection, a URL, or [PLATFORMS@]NAME=URL (repeatable)",
     cxxopts::value<std::vector<std::string>>(), "HOST")
    ("farm", "Use every host of this farm (config or podman farm)", cxxopts::value<std::string>(), "NAME")
    ("connection", "Use this podman system connection (repeatable)", cxxopts::value<std::vector<std::string>>(), "NAME")
    ("identity", "SSH private key for ssh:// hosts without their own", cxxopts::value<std::string>(), "KEY")
    ("ssh-accept-new-host-keys", "Trust and record the host key of SSH hosts not yet in known_hosts "
                                 "(changed keys are always refused)")
    ("connect-timeout", "Give up connecting to a host after this long",
     cxxopts::value<std::string>()->default_value("10s"), "DURATION");
  // clang-format on
}

void
add_registry_options(cxxopts::Options& options, const std::string& group)
{
  // clang-format off
  options.add_options(group)
    ("authfile", "Registry auth file (default: containers-auth.json search order)", cxxopts::value<std::string>(), "FILE")
    ("creds", "Registry credentials USER:PASSWORD (prefer --authfile: arguments are visible to other users)", cxxopts::value<std::string>(), "USER:PASSWORD")
    ("tls-verify", "Require HTTPS and verified certificates for registries", cxxopts::value<bool>()->default_value("true")->implicit_value("true"), "BOOL");
  // clang-format on
}

Result<auth::CredentialStore>
load_credentials(const cxxopts::ParseResult& parsed)
{
  const auto text = [&parsed](const char* name) {
    return parsed.count(name) != 0 ? parsed[name].as<std::string>() : std::string();
  };
  return auth::CredentialStore::load({text("authfile"), text("creds")}, auth::AuthEnvironment::from_process());
}

void
add_retry_options(cxxopts::Options& options)
{
  // clang-format off
  options.add_options("Retry")
    ("retry", "Retry a push this many times after a network or registry failure (not after auth errors)", cxxopts::value<int>()->default_value("3"), "N")
    ("retry-delay", "Wait before the first retry; doubled after each one", cxxopts::value<std::string>()->default_value("2s"), "DURATION");
  // clang-format on
}

Result<util::RetryPolicy>
retry_policy(const cxxopts::ParseResult& parsed)
{
  util::RetryPolicy policy;
  policy.retries = parsed["retry"].as<int>();
  if (policy.retries < 0) {
    return util::fail(ErrorClass::usage, fmt::format("invalid --retry {} (0 or more)", policy.retries));
  }
  auto delay = util::parse_duration(parsed["retry-delay"].as<std::string>(), "--retry-delay");
  if (!delay) {
    return util::Unexpected(std::move(delay).error());
  }
  policy.delay = *delay;
  return policy;
}

Result<cxxopts::ParseResult>
parse(cxxopts::Options& options, const std::vector<std::string>& args, const GlobalOptions& globals)
{
  std::vector<const char*> argv;
  argv.push_back(options.program().c_str());
  for (const auto& arg : args) {
    argv.push_back(arg.c_str());
  }
  try {
    auto parsed = options.parse(static_cast<int>(argv.size()), argv.data());
    std::string level = globals.log_level;
    if (parsed.count("log-level") != 0) {
      level = parsed["log-level"].as<std::string>();
    }
    if (!level.empty()) {
      const auto value = util::log::parse_level(level);
      if (!value) {
        return util::fail(ErrorClass::usage, fmt::format("invalid --log-level '{}' (error, warn, info, debug)", level));
      }
      util::log::set_level(*value);
    }
    return parsed;
  } catch (const cxxopts::exceptions::no_such_option&) {
    const std::string unknown = first_unknown_option(options, args);
    return util::fail(ErrorClass::usage, fmt::format("unknown option '{}' for '{}'{}", unknown, options.program(),
                                                     util::did_you_mean(unknown, option_names(options))));
  } catch (const cxxopts::exceptions::exception& e) {
    return util::fail(ErrorClass::usage, fmt::format("{}: {}", options.program(), e.what()));
  }
}

std::optional<cxxopts::ParseResult>
parse_command_line(cxxopts::Options& options, const std::vector<std::string>& args, const GlobalOptions& globals,
                   const std::string_view examples, int& status)
{
  auto parsed = parse(options, args, globals);
  if (!parsed) {
    status = report(parsed.error());
    return std::nullopt;
  }
  if (parsed->count("help") != 0) {
    // cxxopts lists groups alphabetically: show the command's own first, the shared ones after.
    static const std::vector<std::string> order = {
        "",     "Build",  "podman build", "Publishing", "Create", "Add",    "Annotate",       "Inspect",
        "Push", "Remove", "Entry",        "Registry",   "Retry",  "Output", "Host selection", "Global"};
    const auto rank = [](const std::string& group) {
      return std::find(order.begin(), order.end(), group) - order.begin();
    };
    auto groups = options.groups();
    std::stable_sort(groups.begin(), groups.end(),
                     [&](const std::string& a, const std::string& b) { return rank(a) < rank(b); });
    fmt::print("{}\nExamples:\n{}", options.help(groups), examples);
    status = 0;
    return std::nullopt;
  }
  return std::move(*parsed);
}

Result<Selection>
host_selection(const cxxopts::ParseResult& parsed, const GlobalOptions& globals)
{
  Selection selection;
  selection.connect.accept_new_host_keys = parsed.count("ssh-accept-new-host-keys") != 0;
  const auto timeout_text = parsed["connect-timeout"].as<std::string>();
  auto timeout = util::parse_duration(timeout_text, "--connect-timeout");
  if (!timeout) {
    return util::Unexpected(std::move(timeout).error());
  }
  if (auto ok = app::check_positive(*timeout, timeout_text, "connect-timeout"); !ok) {
    return util::Unexpected(std::move(ok).error());
  }
  selection.connect.connect_timeout = *timeout;

  const std::string config_flag = parsed.count("config") != 0 ? parsed["config"].as<std::string>() : globals.config;
  auto config_path = config::find_config(config_flag);
  if (!config_path) {
    return util::Unexpected(std::move(config_path).error());
  }
  std::optional<config::ConfigFile> config;
  if (*config_path) {
    auto loaded = config::load_config(**config_path);
    if (!loaded) {
      return util::Unexpected(std::move(loaded).error());
    }
    config = std::move(*loaded);
    util::log::debug("configuration: {}", (*config_path)->string());
  }
  auto podman = config::load_podman_settings(config::podman_config_paths());
  if (!podman) {
    return util::Unexpected(std::move(podman).error());
  }
  for (const char* option : {"host", "connection", "farm", "identity"}) {
    if (parsed.count(option) == 0) {
      continue;
    }
    const auto values = option == std::string_view("host") || option == std::string_view("connection")
                            ? parsed[option].as<std::vector<std::string>>()
                            : std::vector<std::string>{parsed[option].as<std::string>()};
    for (const auto& value : values) {
      if (util::trim(value).empty()) {
        return util::fail(ErrorClass::usage, fmt::format("--{} '{}' names nothing", option, value));
      }
    }
  }
  config::SelectionOptions options;
  if (parsed.count("host") != 0) {
    options.hosts = parsed["host"].as<std::vector<std::string>>();
  }
  if (parsed.count("connection") != 0) {
    options.connections = parsed["connection"].as<std::vector<std::string>>();
  }
  if (parsed.count("farm") != 0) {
    options.farm = parsed["farm"].as<std::string>();
  }
  if (parsed.count("identity") != 0) {
    options.identity = parsed["identity"].as<std::string>();
  }
  auto hosts = config::select_hosts(options, config, *podman, config::SelectionEnvironment::from_process());
  if (!hosts) {
    return util::Unexpected(std::move(hosts).error());
  }
  selection.hosts = std::move(*hosts);
  selection.add_compression = podman->add_compression;
  // SSH secrets: a password in a host URL, the key passphrase podman reads.
  util::redact::add(util::env("CONTAINER_PASSPHRASE"));
  for (const auto& host : selection.hosts) {
    if (!host.url.password.empty()) {
      util::redact::add(host.url.password);
      util::redact::add(transport::url_encode(host.url.password));
    }
  }
  return selection;
}

std::vector<OptionInfo>
option_infos(const cxxopts::Options& options)
{
  std::vector<OptionInfo> infos;
  for (const auto& group : options.groups()) {
    for (const auto& option : options.group_help(group).options) {
      if (option.desc.empty() || option.l.empty()) {
        continue; // a positional holder
      }
      infos.push_back(
          {option.l.front(), option.s, option.desc, option.arg_help, !option.is_boolean && !option.has_implicit});
    }
  }
  return infos;
}

const std::vector<std::string>&
choices_for(const std::string_view command, const std::string_view option)
{
  struct Entry {
    std::string_view command; // "*": any command
    std::string_view option;
    std::vector<std::string> values;
  };
  static const std::vector<Entry> table = {
      {"*", "log-level", {"error", "warn", "info", "debug"}},
      {"build", "format", {"oci", "docker", "table", "json"}},
      {"build", "progress", output::progress_modes()},
      {"build", "emulation", {"never", "fallback", "always"}},
      {"build", "pull", {"missing", "always", "newer", "never"}},
      {"hosts", "format", {"table", "json"}},
      {"inspect", "format", {"table", "json"}},
      {"version", "format", {"text", "json"}},
      {"manifest", "format", {"oci", "docker"}},
      {"completion", "shell", {"bash", "zsh", "fish"}},
  };
  static const std::vector<std::string> none;
  for (const auto& entry : table) {
    if ((entry.command == command || entry.command == "*") && entry.option == option) {
      return entry.values;
    }
  }
  return none;
}

Result<std::string>
checked_choice(const cxxopts::ParseResult& parsed, const std::string_view command, const std::string& option)
{
  const std::string value = parsed[option].as<std::string>();
  const auto& allowed = choices_for(command, option);
  if (std::find(allowed.begin(), allowed.end(), value) == allowed.end()) {
    return util::fail(ErrorClass::usage, fmt::format("invalid --{} '{}' (one of: {}){}", option, value,
                                                     util::join(allowed, ", "), util::did_you_mean(value, allowed)));
  }
  return value;
}

int
report(const util::Error& error)
{
  const bool color = output::use_color(stderr);
  fmt::print(stderr, "podman-multiarch: {} {}\n", output::paint("error:", output::Color::red, color), error.describe());
  return util::to_int(util::exit_status_for(error.cls));
}

} // namespace pma::cli
