// podman-multiarch hosts [list|check]
#include <pma/app/selection.hpp>
#include <pma/output/hosts_view.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

namespace {

constexpr const char* k_examples = R"(  podman-multiarch hosts
  podman-multiarch hosts check
  podman-multiarch hosts check --farm release --format json
  podman-multiarch hosts check --host power9=ssh://ci@p9.example.com/run/user/1000/podman/podman.sock
)";

util::Error
refusal(const Command& /*command*/, const std::vector<std::string>& operands, bool /*one_short*/)
{
  const std::string action = operands.empty() ? "list" : operands.front();
  return {util::ErrorClass::usage,
          fmt::format("unknown hosts action '{}'{}", util::join(operands, " "),
                      util::did_you_mean(action, {"list", "check"})),
          "use: podman-multiarch hosts [list|check]"};
}

int
run_hosts(const Invocation& call)
{
  const std::string action = call.operands().empty() ? "list" : call.operands().front();
  const bool json = call.get<std::string>("format") == "json";
  auto selection = app::select_hosts(host_choice(call));
  if (!selection) {
    return report(selection.error());
  }
  const auto& hosts = selection->hosts;

  if (action == "list") {
    fmt::print("{}", json ? output::hosts_json(hosts) : output::hosts_table(hosts));
    return util::to_int(util::ExitStatus::success);
  }

  const auto probes = hosts::probe_hosts(hosts, selection->connect);
  fmt::print("{}", json ? output::probes_json(probes) : output::probes_table(probes, output::use_color(stdout)));
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
    return util::to_int(util::ExitStatus::failure);
  }
  return util::to_int(util::ExitStatus::success);
}

} // namespace

Command
hosts_command()
{
  return {.name = "hosts",
          .summary = "List the selected hosts, or probe them: podman-multiarch hosts check",
          .description = "List the selected hosts, or probe them (check)",
          .usage = "[list|check] [OPTIONS]",
          .operand_help = "",
          .examples = k_examples,
          .options = joined(host_selection_options(), {{{"Output",
                                                         "format",
                                                         "Output format: table or json",
                                                         cxxopts::value<std::string>()->default_value("table"),
                                                         "FORMAT",
                                                         {"table", "json"}},
                                                        operands_holder("Output", "action")}}),
          .operands = {.holder = "action",
                       .synopsis = "[list|check]",
                       .max = 1,
                       .values = {{"list", "List the selected hosts (the default)"},
                                  {"check", "Probe each host: reachable, versions, platforms"}}},
          .refusal = refusal,
          .run = run_hosts};
}

} // namespace pma::cli
