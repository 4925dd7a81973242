// podman-multiarch version [--host …]
#include <pma/cli/command.hpp>
#include <pma/output/version_view.hpp>
#include <pma/version.hpp>

#include <fmt/format.h>

namespace pma::cli {

namespace {

constexpr const char* k_examples =
    "  podman-multiarch version\n  podman-multiarch version --farm release --format json\n";

} // namespace

cxxopts::Options
version_command_options(const std::string& /*verb*/)
{
  auto options = make_options("version", "Show the client version and, with host selection, the servers'");
  options.custom_help("[OPTIONS]");
  add_host_selection_options(options);
  options.add_options("Output")("format", "Output format: text or json",
                                cxxopts::value<std::string>()->default_value("text"), "FORMAT");
  return options;
}

int
run_version(const std::vector<std::string>& args, const GlobalOptions& globals)
{
  auto options = version_command_options("");
  int done = 0;
  auto parsed = parse_command_line(options, args, globals, k_examples, done);
  if (!parsed) {
    return done;
  }
  auto format = checked_choice(*parsed, "version", "format");
  if (!format) {
    return report(format.error());
  }
  const bool want_servers =
      parsed->count("host") != 0 || parsed->count("farm") != 0 || parsed->count("connection") != 0;
  std::vector<hosts::Probe> probes;
  if (want_servers) {
    auto selection = host_selection(*parsed, globals);
    if (!selection) {
      return report(selection.error());
    }
    probes = hosts::probe_hosts(selection->hosts, selection->connect);
  }

  int status = 0;
  fmt::print("{}", *format == "json" ? output::version_json(k_version, probes, want_servers)
                                     : output::version_text(k_version, probes));
  (void)std::fflush(stdout);
  for (const auto& probe : probes) {
    if (probe.error) {
      status = report(*probe.error);
    }
  }
  return status;
}

} // namespace pma::cli
