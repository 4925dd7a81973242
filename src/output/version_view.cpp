// What `version` prints. JSON boundary.
#include <pma/output/version_view.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pma::output {

std::string
version_string(const std::string& version, const std::string& revision)
{
  return revision.empty() ? version : fmt::format("{} (git {})", version, revision);
}

std::string
version_text(const std::string& client_version, const std::vector<hosts::Probe>& probes)
{
  std::string out = fmt::format("Client:  podman-multiarch {}\n", client_version);
  for (const auto& probe : probes) {
    if (probe.info) {
      out += fmt::format("Server:  {} podman {} (API {})\n", probe.host.name, probe.info->podman_version,
                         probe.info->api_version.to_string());
    }
  }
  return out;
}

std::string
version_json(const std::string& client_version, const std::string& revision, const std::vector<hosts::Probe>& probes,
             const bool with_servers)
{
  nlohmann::ordered_json out = {
      {"client",
       {{"version", client_version},
        {"revision", revision.empty() ? nlohmann::ordered_json() : nlohmann::ordered_json(revision)}}}};
  nlohmann::ordered_json servers = nlohmann::ordered_json::array();
  for (const auto& probe : probes) {
    servers.push_back({{"host", probe.host.name},
                       {"podmanVersion", probe.info ? probe.info->podman_version : ""},
                       {"apiVersion", probe.info ? probe.info->api_version.to_string() : ""},
                       {"error", probe.error ? probe.error->message : ""}});
  }
  if (with_servers) {
    out["servers"] = servers;
  }
  return out.dump(2) + "\n";
}

} // namespace pma::output
