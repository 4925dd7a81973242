// podman-multiarch hosts [list|check]
#include <pma/cli/command.hpp>
#include <pma/output/hosts_view.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

namespace pma::cli {

namespace {

constexpr const char* k_examples = R"(  podman-multiarch hosts
  podman-multiarch hosts check
  podman-multiarch hosts check --farm release --format json
  podman-multiarch hosts check --host power9=ssh://ci@p9.example.com/run/user/1000/podman/podman.sock
)";

} // namespace

cxxopts::Options
hosts_command_options(const std::string& /*verb*/)
{
  auto options = make_options("hosts", "List the selected hosts, or probe them (check)");
  options.custom_help("[list|check] [OPTIONS]");
  options.positional_help("");
  add_host_selection_options(options);
  // clang-format off
  options.add_options("Output")
    ("format", "Output format: table or json", cxxopts::value<std::string>()->default_value("table"), "FORMAT")
    ("action", "", cxxopts::value<std::vector<std::string>>());
  // clang-format on
  options.parse_positional({"action"});
  return options;
}

int
run_hosts(const std::vector<std::string>& args, const GlobalOptions& globals)
{
  auto options = hosts_command_options("");
  int done = 0;
  auto parsed = parse_command_line(options, args, globals, k_examples, done);
  if (!parsed) {
    return done;
  }
  const std::vector<std::string> actions =
      parsed->count("action") != 0 ? (*parsed)["action"].as<std::vector<std::string>>() : std::vector<std::string>{};
  const std::string action = actions.empty() ? "list" : actions.front();
  if (actions.size() > 1 || (action != "list" && action != "check")) {
    return report(util::Error{util::ErrorClass::usage,
                              fmt::format("unknown hosts action '{}'{}", util::join(actions, " "),
                                          util::did_you_mean(action, {"list", "check"})),
                              "use: podman-multiarch hosts [list|check]"});
  }
  auto format = checked_choice(*parsed, "hosts", "format");
  if (!format) {
    return report(format.error());
  }
  auto selection = host_selection(*parsed, globals);
  if (!selection) {
    return report(selection.error());
  }
  const auto& hosts = selection->hosts;

  if (action == "list") {
    fmt::print("{}", *format == "json" ? output::hosts_json(hosts) : output::hosts_table(hosts));
    return 0;
  }

  const auto probes = hosts::probe_hosts(hosts, selection->connect);
  fmt::print("{}",
             *format == "json" ? output::probes_json(probes) : output::probes_table(probes, output::use_color(stdout)));
  (void)std::fflush(stdout); // results first, then the errors on stderr
  int failed = 0;
  for (const auto& probe : probes) {
    if (!probe.ok()) {
      ++failed;
      report(*probe.error);
    }
  }
  if (failed > 0) {
    fmt::print(stderr, "podman-multiarch: {} of {} hosts did not answer\n", failed, probes.size());
    return 1;
  }
  return 0;
}

} // namespace pma::cli
