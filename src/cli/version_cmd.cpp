// podman-multiarch version [--host …]
#include <pma/app/selection.hpp>
#include <pma/output/version_view.hpp>
#include <pma/revision.hpp>
#include <pma/version.hpp>

#include <fmt/format.h>

#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

namespace {

constexpr const char* k_examples =
    "  podman-multiarch version\n  podman-multiarch version --farm release --format json\n";

int
run_version(const Invocation& call)
{
  const bool want_servers = hosts_named(call);
  std::vector<hosts::Probe> probes;
  if (want_servers) {
    auto selection = app::select_hosts(host_choice(call));
    if (!selection) {
      return report(selection.error());
    }
    probes = hosts::probe_hosts(selection->hosts, selection->connect);
  }
  fmt::print("{}", call.get<std::string>("format") == "json"
                       ? output::version_json(k_version, k_revision, probes, want_servers)
                       : output::version_text(output::version_string(k_version, k_revision), probes));
  (void)std::fflush(stdout);
  int status = util::to_int(util::ExitStatus::success);
  for (const auto& probe : probes) {
    if (probe.error) {
      status = report(*probe.error);
    }
  }
  return status;
}

} // namespace

Command
version_command()
{
  return {.name = "version",
          .summary = "Show the client version and, with --host/--farm, the servers'",
          .description = "Show the client version and, with host selection, the servers'",
          .usage = "[OPTIONS]",
          .examples = k_examples,
          .options = joined(host_selection_options(), {{{"Output",
                                                         "format",
                                                         "Output format: text or json",
                                                         cxxopts::value<std::string>()->default_value("text"),
                                                         "FORMAT",
                                                         {"text", "json"}}}}),
          .run = run_version};
}

} // namespace pma::cli
