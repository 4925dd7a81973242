// podman's stored connections and farms: containers.conf (TOML, toml++) and
// podman-connections.json (nlohmann). Both libraries stay in this file.
#include <pma/config/podman_conf.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <toml++/toml.h>
#include <unistd.h>

#include <algorithm>
#include <set>

namespace pma::config {

using util::ErrorClass;
using util::Result;

namespace {

std::vector<std::filesystem::path>
conf_d_files(const std::filesystem::path& dir)
{
  std::vector<std::filesystem::path> files;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() == ".conf") {
      files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

void
append_with_d(std::vector<std::filesystem::path>& out, const std::filesystem::path& file)
{
  out.push_back(file);
  for (auto& extra : conf_d_files(file.string() + ".d")) {
    out.push_back(std::move(extra));
  }
}

// Go's encoding/json matches object keys case-insensitively.
const nlohmann::json*
member(const nlohmann::json& object, const std::string_view key)
{
  if (!object.is_object()) {
    return nullptr;
  }
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (util::iequals(it.key(), key)) {
      return &it.value();
    }
  }
  return nullptr;
}

std::string
string_member(const nlohmann::json& object, const std::string_view key)
{
  const auto* value = member(object, key);
  return value && value->is_string() ? value->get<std::string>() : std::string();
}

util::Unexpected
toml_error(const std::string& source, const toml::node& node, const std::string& message)
{
  const auto& begin = node.source().begin;
  return util::fail(ErrorClass::config, fmt::format("{}:{}:{}: {}", source, begin.line, begin.column, message));
}

} // namespace

const PodmanConnection*
PodmanSettings::find_connection(const std::string_view name) const
{
  const std::string key(name);
  if (const auto it = json_connections.find(key); it != json_connections.end()) {
    return &it->second;
  }
  if (const auto it = toml_connections.find(key); it != toml_connections.end()) {
    return &it->second;
  }
  return nullptr;
}

const PodmanFarm*
PodmanSettings::find_farm(const std::string_view name) const
{
  const std::string key(name);
  if (const auto it = json_farms.find(key); it != json_farms.end()) {
    return &it->second;
  }
  if (const auto it = toml_farms.find(key); it != toml_farms.end()) {
    return &it->second;
  }
  return nullptr;
}

std::string
PodmanSettings::default_connection() const
{
  return json_default_connection.empty() ? toml_active_service : json_default_connection;
}

std::string
PodmanSettings::default_farm() const
{
  return json_default_farm.empty() ? toml_default_farm : json_default_farm;
}

std::vector<std::string>
PodmanSettings::connection_names() const
{
  std::set<std::string> names;
  for (const auto& [name, _] : toml_connections) {
    names.insert(name);
  }
  for (const auto& [name, _] : json_connections) {
    names.insert(name);
  }
  return {names.begin(), names.end()};
}

std::vector<std::string>
PodmanSettings::farm_names() const
{
  std::set<std::string> names;
  for (const auto& [name, _] : toml_farms) {
    names.insert(name);
  }
  for (const auto& [name, _] : json_farms) {
    names.insert(name);
  }
  return {names.begin(), names.end()};
}

Result<std::vector<PodmanConnection>>
PodmanSettings::farm_members(const PodmanFarm& farm) const
{
  const auto& store = farm.from_json ? json_connections : toml_connections;
  std::vector<PodmanConnection> members;
  for (const auto& name : farm.members) {
    const auto it = store.find(name);
    if (it == store.end()) {
      std::vector<std::string> known;
      known.reserve(store.size());
      for (const auto& [candidate, _] : store) {
        known.push_back(candidate);
      }
      return util::fail(ErrorClass::config,
                        fmt::format("podman farm '{}' ({}) names connection '{}', which is not defined in {}{}",
                                    farm.name, farm.source, name,
                                    farm.from_json ? "podman-connections.json" : "containers.conf",
                                    util::did_you_mean(name, known)));
    }
    members.push_back(it->second);
  }
  return members;
}

PodmanConfigPaths
podman_config_paths()
{
  PodmanConfigPaths paths;
  if (const std::string override_all = util::env("CONTAINERS_CONF"); !override_all.empty()) {
    paths.containers_conf.emplace_back(override_all);
  } else {
    append_with_d(paths.containers_conf, "/usr/share/containers/containers.conf");
    append_with_d(paths.containers_conf, "/etc/containers/containers.conf");
    if (::getuid() != 0) {
      append_with_d(paths.containers_conf, "/etc/containers/containers.rootless.conf");
      for (auto& extra : conf_d_files(fmt::format("/etc/containers/containers.rootless.conf.d/{}", ::getuid()))) {
        paths.containers_conf.push_back(std::move(extra));
      }
    }
    append_with_d(paths.containers_conf, util::xdg_config_home() / "containers" / "containers.conf");
  }
  if (const std::string last = util::env("CONTAINERS_CONF_OVERRIDE"); !last.empty()) {
    paths.containers_conf.emplace_back(last);
  }
  const std::string json = util::env("PODMAN_CONNECTIONS_CONF");
  paths.connections_json =
      json.empty() ? util::xdg_config_home() / "containers" / "podman-connections.json" : std::filesystem::path(json);
  return paths;
}

Result<void>
merge_containers_conf(const std::string_view text, const std::string& source, PodmanSettings& settings)
{
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    return util::fail(ErrorClass::config, fmt::format("{}:{}:{}: {}", source, e.source().begin.line,
                                                      e.source().begin.column, e.description()));
  }
  if (const auto* engine = root["engine"].as_table()) {
    if (const auto* compression = (*engine)["add_compression"].as_array()) {
      settings.add_compression.clear(); // a later file replaces the list, as in containers.conf
      for (const auto& item : *compression) {
        if (const auto format = item.value<std::string>()) {
          settings.add_compression.push_back(*format);
        }
      }
    }
    if (const auto active = (*engine)["active_service"].value<std::string>()) {
      settings.toml_active_service = *active;
    }
    if (const auto* destinations = (*engine)["service_destinations"].as_table()) {
      for (const auto& [key, value] : *destinations) {
        const auto* table = value.as_table();
        if (table == nullptr) {
          return toml_error(source, value, fmt::format("engine.service_destinations.{} must be a table", key.str()));
        }
        PodmanConnection connection;
        connection.name = std::string(key.str());
        connection.uri = (*table)["uri"].value_or(std::string());
        connection.identity = (*table)["identity"].value_or(std::string());
        connection.is_machine = (*table)["is_machine"].value_or(false);
        connection.source = source;
        if (connection.uri.empty()) {
          return toml_error(source, value, fmt::format("connection '{}' has no uri", connection.name));
        }
        settings.toml_connections[connection.name] = std::move(connection);
      }
    }
  }
  // podman-farm(1) says "[farm]", the code reads "[farms]"; we read the latter.
  if (const auto* farms = root["farms"].as_table()) {
    if (const auto name = (*farms)["default"].value<std::string>()) {
      settings.toml_default_farm = *name;
    }
    if (const auto* list = (*farms)["list"].as_table()) {
      for (const auto& [key, value] : *list) {
        const auto* members = value.as_array();
        if (members == nullptr) {
          return toml_error(source, value,
                            fmt::format("farms.list.{} must be an array of connection names", key.str()));
        }
        PodmanFarm farm{std::string(key.str()), {}, false, source};
        for (const auto& member : *members) {
          const auto name = member.value<std::string>();
          if (!name) {
            return toml_error(source, member, "farm members must be strings");
          }
          farm.members.push_back(*name);
        }
        settings.toml_farms[farm.name] = std::move(farm);
      }
    }
  }
  return {};
}

Result<void>
merge_connections_json(const std::string_view text, const std::string& source, PodmanSettings& settings)
{
  nlohmann::json root;
  try {
    root = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    return util::fail(ErrorClass::config, fmt::format("{}: invalid JSON at byte {}: {}", source, e.byte, e.what()));
  } catch (const nlohmann::json::exception& e) { // e.g. a number too large (found by fuzzing)
    return util::fail(ErrorClass::config, fmt::format("{}: invalid JSON: {}", source, e.what()));
  }
  if (const auto* connection = member(root, "Connection")) {
    settings.json_default_connection = string_member(*connection, "Default");
    if (const auto* list = member(*connection, "Connections"); list && list->is_object()) {
      for (auto it = list->begin(); it != list->end(); ++it) {
        PodmanConnection entry;
        entry.name = it.key();
        entry.uri = string_member(it.value(), "URI");
        entry.identity = string_member(it.value(), "Identity");
        const auto* machine = member(it.value(), "IsMachine");
        entry.is_machine = machine && machine->is_boolean() && machine->get<bool>();
        entry.source = source;
        if (entry.uri.empty()) {
          return util::fail(ErrorClass::config, fmt::format("{}: connection '{}' has no URI", source, entry.name));
        }
        settings.json_connections[entry.name] = std::move(entry);
      }
    }
  }
  if (const auto* farm = member(root, "Farm")) {
    settings.json_default_farm = string_member(*farm, "Default");
    if (const auto* list = member(*farm, "List"); list && list->is_object()) {
      for (auto it = list->begin(); it != list->end(); ++it) {
        PodmanFarm entry{it.key(), {}, true, source};
        if (!it.value().is_array()) {
          return util::fail(ErrorClass::config, fmt::format("{}: farm '{}' must be a list", source, entry.name));
        }
        for (const auto& name : it.value()) {
          if (!name.is_string()) {
            return util::fail(ErrorClass::config,
                              fmt::format("{}: farm '{}' members must be strings", source, entry.name));
          }
          entry.members.push_back(name.get<std::string>());
        }
        settings.json_farms[entry.name] = std::move(entry);
      }
    }
  }
  return {};
}

Result<PodmanSettings>
load_podman_settings(const PodmanConfigPaths& paths)
{
  PodmanSettings settings;
  for (const auto& file : paths.containers_conf) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
      continue;
    }
    PMA_TRY_ASSIGN(auto text, util::read_file(file));
    PMA_TRY(merge_containers_conf(text, file.string(), settings));
  }
  std::error_code ec;
  if (std::filesystem::is_regular_file(paths.connections_json, ec)) {
    PMA_TRY_ASSIGN(auto text, util::read_file(paths.connections_json));
    PMA_TRY(merge_connections_json(text, paths.connections_json.string(), settings));
  }
  return settings;
}

} // namespace pma::config
