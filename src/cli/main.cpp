#include <pma/cli/command.hpp>
#include <pma/cli/main.hpp>
#include <pma/util/interrupt.hpp>
#include <pma/util/strings.hpp>
#include <pma/version.hpp>

#include <fmt/format.h>

#include <exception>

namespace pma::cli {

// One file per command defines these.
#define PMA_COMMAND(name)                                                                                              \
  int run_##name(const std::vector<std::string>& args, const GlobalOptions& globals);                                  \
  cxxopts::Options name##_command_options(const std::string& subcommand)
PMA_COMMAND(build);
PMA_COMMAND(completion);
PMA_COMMAND(hosts);
PMA_COMMAND(inspect);
PMA_COMMAND(manifest);
PMA_COMMAND(version);
#undef PMA_COMMAND
std::vector<Subcommand> manifest_subcommands();

const std::vector<Command>&
commands()
{
  static const std::vector<Command> table = {
      {"build",
       "Build on every architecture's host in parallel and publish the multi-arch list",
       &run_build,
       &build_command_options,
       {},
       Operand::directory},
      {"hosts",
       "List the selected hosts, or probe them: podman-multiarch hosts check",
       &run_hosts,
       &hosts_command_options,
       {{"list", "List the selected hosts (the default)"},
        {"check", "Probe each host: reachable, versions, platforms"}}},
      {"inspect", "Show what a registry serves for an image: digest, media type, one row per platform", &run_inspect,
       &inspect_command_options},
      {"manifest", "podman's manifest verbs (create, add, annotate, remove, inspect, push, rm, exists) on a host",
       &run_manifest, &manifest_command_options, manifest_subcommands()},
      {"version", "Show the client version and, with --host/--farm, the servers'", &run_version,
       &version_command_options},
      {"completion",
       "Print a bash, zsh or fish completion script",
       &run_completion,
       &completion_command_options,
       {{"bash", "bash (with bash-completion)"}, {"zsh", "zsh"}, {"fish", "fish"}}},
  };
  return table;
}

namespace {

void
print_usage()
{
  fmt::print("Usage: podman-multiarch [GLOBAL OPTIONS] COMMAND [OPTIONS]\n\n"
             "Build and publish multi-architecture container images on podman hosts.\n\n"
             "Commands:\n");
  for (const auto& command : commands()) {
    fmt::print("  {:<10}  {}\n", command.name, command.summary);
  }
  fmt::print("\nGlobal options:\n"
             "  -h, --help           Show this help\n"
             "      --version        Show the version\n"
             "      --config FILE    Configuration file\n"
             "      --log-level L    Diagnostics on stderr: error, warn, info, debug\n"
             "\nRun 'podman-multiarch COMMAND --help' for a command's options.\n");
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

int
dispatch(const std::vector<std::string>& args)
{
  GlobalOptions globals;
  size_t i = 0;
  // Global options stop at the command name (ninja's "-t TOOL").
  for (; i < args.size() && args[i].starts_with("-"); ++i) {
    const std::string& arg = args[i];
    const auto value_of = [&](const std::string& name, std::string& target) {
      if (arg == name && i + 1 < args.size()) {
        target = args[++i];
        return true;
      }
      if (arg.starts_with(name + "=")) {
        target = arg.substr(name.size() + 1);
        return true;
      }
      return false;
    };
    if (arg == "-h" || arg == "--help") {
      print_usage();
      return 0;
    }
    if (arg == "--version" || arg == "-v") {
      fmt::print("podman-multiarch version {}\n", k_version);
      return 0;
    }
    if (value_of("--config", globals.config) || value_of("--log-level", globals.log_level)) {
      continue;
    }
    return report(util::Error{util::ErrorClass::usage,
                              fmt::format("unknown global option '{}'{}", arg,
                                          util::did_you_mean(arg, {"--help", "--version", "--config", "--log-level"})),
                              "command options go after the command name"});
  }
  if (i == args.size()) {
    print_usage();
    return 2;
  }
  const std::string& name = args[i];
  if (name == "__complete") { // hidden: the shell completions call it
    return run_complete(std::vector<std::string>(args.begin() + static_cast<long>(i) + 1, args.end()));
  }
  for (const auto& command : commands()) {
    if (name == command.name) {
      return command.run(std::vector<std::string>(args.begin() + static_cast<long>(i) + 1, args.end()), globals);
    }
  }
  if (name == "help") {
    print_usage();
    return 0;
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
