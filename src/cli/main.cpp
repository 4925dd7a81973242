// podman-multiarch [GLOBAL OPTIONS] COMMAND [OPTIONS]: the global options,
// then the command from the table.
#include <pma/cli/command.hpp>
#include <pma/cli/main.hpp>
#include <pma/output/version_view.hpp>
#include <pma/revision.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/strings.hpp>
#include <pma/version.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <exception>

#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

const std::vector<Command>&
commands()
{
  static const std::vector<Command> table = {build_command(),   bake_command(),       publish_command(),
                                             hosts_command(),   inspect_command(),    manifest_command(),
                                             version_command(), completion_command(), generate_sigstore_key_command()};
  return table;
}

namespace {

void
print_usage()
{
  fmt::print("Usage: podman-multiarch [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n"
             "Build and publish multi-architecture container images on podman hosts.\n\n"
             "Commands:\n");
  size_t width = 0;
  for (const auto& command : commands()) {
    width = std::max(width, command.name.size());
  }
  for (const auto& command : commands()) {
    fmt::print("  {:<{}}  {}\n", command.name, width, command.summary);
  }
  fmt::print("\nGlobal options:\n");
  for (const auto& option : global_options()) {
    const std::string spelling =
        fmt::format("{}--{}{}{}", option.short_name.empty() ? "    " : fmt::format("-{}, ", option.short_name),
                    option.name, option.usage_value.empty() ? "" : " ", option.usage_value);
    fmt::print("  {:<21}{}\n", spelling, option.summary);
  }
  fmt::print("\nRun 'podman-multiarch COMMAND --help' for a command's options.\n");
}

std::vector<std::string>
command_names()
{
  std::vector<std::string> names;
  for (const auto& command : commands()) {
    names.emplace_back(command.name);
  }
  return names;
}

// The global option `arg` names (its value, if it takes one, consumed from
// `args` at `i`), or null.
const GlobalOption*
global_option(const std::vector<std::string>& args, size_t& i, std::string& value)
{
  const std::string& arg = args[i];
  for (const auto& option : global_options()) {
    const std::string name = fmt::format("--{}", option.name);
    if (option.value_name.empty()) {
      if (arg == name || (!option.short_name.empty() && arg == fmt::format("-{}", option.short_name)) ||
          (!option.alias.empty() && arg == option.alias)) {
        return &option;
      }
    } else if (arg == name && i + 1 < args.size()) {
      value = args[++i];
      return &option;
    } else if (arg.starts_with(name + "=")) {
      value = arg.substr(name.size() + 1);
      return &option;
    }
  }
  return nullptr;
}

int
dispatch(const std::vector<std::string>& args)
{
  GlobalOptions globals;
  size_t i = 0;
  // Global options stop at the command name (ninja's "-t TOOL").
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    std::string value;
    const GlobalOption* option = global_option(args, i, value);
    if (option == nullptr) {
      std::vector<std::string> names;
      for (const auto& known : global_options()) {
        names.push_back(fmt::format("--{}", known.name));
      }
      return report(
          util::Error{util::ErrorClass::usage,
                      fmt::format("unknown global option '{}'{}", args[i], util::did_you_mean(args[i], names)),
                      "command options go after the command name"});
    }
    if (option->name == "help") {
      print_usage();
      return util::to_int(util::ExitStatus::success);
    }
    if (option->name == "version") {
      fmt::print("podman-multiarch version {}\n", output::version_string(k_version, k_revision));
      return util::to_int(util::ExitStatus::success);
    }
    (option->name == "config" ? globals.config : globals.log_level) = value;
  }
  if (i == args.size()) {
    print_usage();
    return util::to_int(util::ExitStatus::usage);
  }
  const std::string& name = args[i];
  const std::vector<std::string> rest(args.begin() + static_cast<long>(i) + 1, args.end());
  if (name == "__complete") { // hidden: the shell completions call it
    return run_complete(rest);
  }
  if (const Command* command = find_command(commands(), name)) {
    return run(*command, rest, globals);
  }
  if (name == "help") {
    print_usage();
    return util::to_int(util::ExitStatus::success);
  }
  return report(util::Error{util::ErrorClass::usage,
                            fmt::format("unknown command '{}'{}", name, util::did_you_mean(name, command_names())),
                            "see podman-multiarch --help"});
}

} // namespace

int
main(const int argc, const char* const* argv)
{
  util::interrupt::install();
  try {
    return dispatch(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    return report(util::Error{util::ErrorClass::internal, fmt::format("unexpected failure: {}", e.what()),
                              "please report this as a bug"});
  }
}

} // namespace pma::cli
