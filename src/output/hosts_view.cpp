// JSON boundary for host listings: nlohmann stays in this file.
#include <pma/output/hosts_view.hpp>
#include <pma/output/table.hpp>
#include <pma/output/terminal.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cmath>

namespace pma::output {

using nlohmann::ordered_json;

namespace {

std::string
milliseconds(const std::chrono::microseconds value)
{
  return fmt::format("{:.1f}ms", static_cast<double>(value.count()) / 1000.0);
}

double
ms_value(const std::chrono::microseconds value)
{
  return std::round(static_cast<double>(value.count()) / 10.0) / 100.0; // ms, two decimals
}

std::string
emulated_cell(const hosts::Probe& probe)
{
  if (!probe.info || !probe.info->emulated) {
    return "unknown";
  }
  return probe.info->emulated->empty() ? "-" : util::join(oci::to_strings(*probe.info->emulated), ",");
}

} // namespace

std::string
hosts_table(const std::vector<config::Host>& hosts)
{
  Table table({"NAME", "URL", "PLATFORMS", "FROM"});
  for (const auto& host : hosts) {
    table.add_row({host.name, host.url.redacted(),
                   host.platforms.empty() ? "(native)" : util::join(oci::to_strings(host.platforms), ","),
                   host.origin});
  }
  return table.render();
}

std::string
hosts_json(const std::vector<config::Host>& hosts)
{
  ordered_json list = ordered_json::array();
  for (const auto& host : hosts) {
    list.push_back({{"name", host.name},
                    {"url", host.url.redacted()},
                    {"platforms", oci::to_strings(host.platforms)},
                    {"identity", host.identity.string()},
                    {"knownHosts", host.known_hosts.string()},
                    {"origin", host.origin}});
  }
  return ordered_json{{"hosts", list}}.dump(2) + "\n";
}

std::string
probes_table(const std::vector<hosts::Probe>& probes, const bool color)
{
  Table table({"NAME", "STATUS", "PODMAN", "API", "NATIVE", "SERVES", "EMULATED", "LATENCY", "ROUTE"});
  for (const auto& probe : probes) {
    if (!probe.ok()) {
      table.add_row({probe.host.name,
                     paint(fmt::format("error ({})", util::to_string(probe.error->cls)), Color::red, color), "-", "-",
                     "-", "-", "-", "-", "-"});
      continue;
    }
    const auto& info = *probe.info;
    table.add_row({probe.host.name, paint("ok", Color::green, color), info.podman_version, info.api_version.to_string(),
                   info.native.to_string() + (info.variant_inferred ? "*" : ""),
                   util::join(oci::to_strings(probe.serves), ","), emulated_cell(probe), milliseconds(probe.latency),
                   probe.route});
  }
  std::string out = table.render();
  for (const auto& probe : probes) {
    if (probe.ok() && probe.info->variant_inferred) {
      out += "* variant inferred: podman before 4.8 does not report it\n";
      break;
    }
  }
  return out;
}

std::string
probes_json(const std::vector<hosts::Probe>& probes)
{
  ordered_json list = ordered_json::array();
  for (const auto& probe : probes) {
    ordered_json entry = {{"name", probe.host.name}, {"url", probe.host.url.redacted()}, {"reachable", probe.ok()}};
    if (probe.info) {
      const auto& info = *probe.info;
      entry["podmanVersion"] = info.podman_version;
      entry["apiVersion"] = info.api_version.to_string();
      entry["native"] = info.native.to_string();
      entry["variantInferred"] = info.variant_inferred;
      entry["serves"] = oci::to_strings(probe.serves);
      entry["emulated"] = info.emulated ? ordered_json(oci::to_strings(*info.emulated)) : ordered_json(nullptr);
      entry["latencyMs"] = ms_value(probe.latency);
      entry["connectMs"] = ms_value(probe.connect_time);
      entry["route"] = probe.route;
    }
    if (probe.error) {
      entry["error"] = {
          {"class", util::to_string(probe.error->cls)}, {"message", probe.error->message}, {"hint", probe.error->hint}};
    } else {
      entry["error"] = nullptr;
    }
    list.push_back(std::move(entry));
  }
  return ordered_json{{"hosts", list}}.dump(2) + "\n";
}

} // namespace pma::output
