#pragma once

#include <pma/oci/platform.hpp>
#include <pma/transport/url.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace pma::config {

// A podman service podman-multiarch may use, fully resolved.
struct Host {
  std::string name;
  transport::HostUrl url;
  std::filesystem::path identity;       // SSH key; empty: ssh-agent / default keys
  std::filesystem::path known_hosts;    // empty: ~/.ssh/known_hosts
  std::vector<oci::Platform> platforms; // declared; empty: the host's native platform
  std::string origin;                   // where it came from, e.g. "config.yaml:4:3", "--host", "CONTAINER_HOST"
  int max_jobs = 0;                     // builds it runs at once in a release; 0: as many as its CPUs
};

} // namespace pma::config
