#pragma once

#include <pma/util/error.hpp>

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pma::config {

// A podman system connection (podman system connection add …).
struct PodmanConnection {
  std::string name;
  std::string uri;
  std::string identity;
  bool is_machine = false;
  std::string source; // the file it came from
};

struct PodmanFarm {
  std::string name;
  std::vector<std::string> members;
  bool from_json = false; // members resolve only against connections of the same store
  std::string source;
};

// Podman's own connections and farms, merged with podman's rules
// (podman-multiarch.yaml(5)): containers.conf files in order, then
// podman-connections.json, whose connections override same-named TOML ones.
struct PodmanSettings {
  std::map<std::string, PodmanConnection> toml_connections;
  std::map<std::string, PodmanConnection> json_connections;
  std::map<std::string, PodmanFarm> toml_farms;
  std::map<std::string, PodmanFarm> json_farms;
  std::string toml_active_service;
  std::string json_default_connection;
  std::string toml_default_farm;
  std::string json_default_farm;
  // [engine] add_compression: the default of manifest push --add-compression.
  std::vector<std::string> add_compression;

  const PodmanConnection* find_connection(std::string_view name) const;
  const PodmanFarm* find_farm(std::string_view name) const;
  std::string default_connection() const;
  std::string default_farm() const;
  std::vector<std::string> connection_names() const;
  std::vector<std::string> farm_names() const;

  // The farm's members, resolved against the store the farm came from.
  util::Result<std::vector<PodmanConnection>> farm_members(const PodmanFarm& farm) const;
};

struct PodmanConfigPaths {
  std::vector<std::filesystem::path> containers_conf; // in merge order
  std::filesystem::path connections_json;
};

// Where podman looks, given the environment (CONTAINERS_CONF,
// CONTAINERS_CONF_OVERRIDE, XDG_CONFIG_HOME, PODMAN_CONNECTIONS_CONF) and uid.
PodmanConfigPaths podman_config_paths();

// Merges one containers.conf (TOML) into `settings`. Errors carry file:line:col.
util::Result<void> merge_containers_conf(std::string_view text, const std::string& source, PodmanSettings& settings);

// Reads podman-connections.json into `settings`. Keys match case-insensitively,
// as with Go's encoding/json.
util::Result<void> merge_connections_json(std::string_view text, const std::string& source, PodmanSettings& settings);

// Reads every existing file of `paths`; missing files are skipped.
util::Result<PodmanSettings> load_podman_settings(const PodmanConfigPaths& paths);

} // namespace pma::config
