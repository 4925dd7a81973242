#pragma once

#include <pma/oci/platform.hpp>
#include <pma/transport/url.hpp>
#include <pma/util/error.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pma::config {

// "file:line:col" of a place in a config file (1-based).
struct Location {
  std::string file;
  int line = 0;
  int column = 0;

  std::string to_string() const;
};

struct HostEntry {
  std::string name;
  std::optional<transport::HostUrl> url;
  std::string connection; // a podman system connection, instead of url
  std::string identity;
  std::string known_hosts;
  std::vector<oci::Platform> platforms;
  int max_jobs = 0; // max-jobs; 0: not set
  Location location;
};

struct FarmEntry {
  std::string name;
  std::vector<std::string> members;
  std::vector<Location> member_locations;
  Location location;
};

// podman-multiarch.yaml (see podman-multiarch.yaml(5)).
struct ConfigFile {
  std::filesystem::path path;
  std::vector<HostEntry> hosts; // in file order
  std::vector<FarmEntry> farms; // in file order
  std::string default_farm;
  Location default_farm_location;

  const HostEntry* find_host(std::string_view name) const;
  const FarmEntry* find_farm(std::string_view name) const;
};

// Parses YAML `text` read from `path`. Every error is of class config and
// starts with "path:line:col: ".
util::Result<ConfigFile> parse_config(std::string_view text, const std::filesystem::path& path);

util::Result<ConfigFile> load_config(const std::filesystem::path& path);

// The config file to use: `explicit_path` (--config), $PODMAN_MULTIARCH_CONFIG,
// ./podman-multiarch.yaml, $XDG_CONFIG_HOME/podman-multiarch/config.yaml,
// /etc/podman-multiarch/config.yaml — first found wins. nullopt: none exists.
// A path given explicitly (option or variable) that does not exist is an error.
util::Result<std::optional<std::filesystem::path>> find_config(const std::string& explicit_path);

// Every place find_config() looks, in order, for messages and man pages.
std::vector<std::string> config_search_path();

} // namespace pma::config
