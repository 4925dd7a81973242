#pragma once

#include <pma/config/config_file.hpp>
#include <pma/config/host.hpp>
#include <pma/config/podman_conf.hpp>
#include <pma/util/error.hpp>

#include <optional>
#include <string>
#include <vector>

namespace pma::config {

// Host-selection options common to every command that talks to hosts.
struct SelectionOptions {
  std::vector<std::string> hosts;       // --host NAME | URL | [PLATFORMS@]NAME=URL
  std::vector<std::string> connections; // --connection NAME
  std::string farm;                     // --farm NAME
  std::string identity;                 // --identity KEY
};

// The environment variables podman reads, captured once (tests set them).
struct SelectionEnvironment {
  std::string container_host;       // CONTAINER_HOST
  std::string container_sshkey;     // CONTAINER_SSHKEY
  std::string container_connection; // CONTAINER_CONNECTION
  std::string local_socket;         // podman's default local socket for this user

  static SelectionEnvironment from_process();
};

// Chooses the hosts to use, in this order (podman-multiarch.yaml(5), README "Hosts"):
//  1. --host / --connection / --farm;
//  2. CONTAINER_CONNECTION, else CONTAINER_HOST (podman ≥ 4.8 precedence);
//  3. the config's default-farm, else every host of the config;
//  4. podman's default farm;
//  5. the local podman socket alone.
// Names resolve against the config first, then podman's connections and farms.
util::Result<std::vector<Host>> select_hosts(const SelectionOptions& options, const std::optional<ConfigFile>& config,
                                             const PodmanSettings& podman, const SelectionEnvironment& environment);

// Host names, farm names and connection names known to `config` and `podman`
// (for completion and "did you mean").
std::vector<std::string> known_host_names(const std::optional<ConfigFile>& config, const PodmanSettings& podman);
std::vector<std::string> known_farm_names(const std::optional<ConfigFile>& config, const PodmanSettings& podman);

} // namespace pma::config
