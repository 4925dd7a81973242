// The query of POST /libpod/build: every option podman's CLI forwards, in the
// form each podman version's handler reads (pkg/api/handlers/compat/images_build.go);
// the options' keys, encodings and versions are build_settings.cpp's table.
#include <pma/libpod/build_settings.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <map>

#include "client_impl.hpp"

namespace pma::libpod {

using detail::Query;
using nlohmann::json;

namespace {

constexpr Version k_cache_array{4, 4, 0};             // cachefrom/cacheto: one plain name before
constexpr Version k_build_contexts_repeated{5, 6, 0}; // additionalbuildcontexts: a JSON map before

bool
is_absent_default(const BuildOptionSpec& row, const BuildSetting& setting)
{
  return row.absent != nullptr && setting.values.size() == 1 && setting.values.front() == row.absent;
}

const BuildSetting*
find_setting(const std::vector<BuildSetting>& settings, const BuildOption option)
{
  const auto it = std::find_if(settings.begin(), settings.end(),
                               [option](const BuildSetting& s) { return s.option == option && !s.values.empty(); });
  return it != settings.end() ? &*it : nullptr;
}

// "container:host:size" triples (validated by the caller) as JSON objects with `keys`.
json
id_maps(const BuildSetting* setting, const char* container, const char* host, const char* size)
{
  json maps = json::array();
  for (const auto& value : setting != nullptr ? setting->values : std::vector<std::string>{}) {
    const auto parts = util::split(value, ':');
    maps.push_back({{container, std::stoul(parts[0])}, {host, std::stoul(parts[1])}, {size, std::stoul(parts[2])}});
  }
  return maps;
}

// The user namespace as buildah's IDMappingOptionsFromFlagSet records it: an
// nsoptions entry, and (given any userns option) idmappingoptions.
json
add_user_namespace(Query& query, const std::vector<BuildSetting>& settings)
{
  const BuildSetting* how = find_setting(settings, BuildOption::userns);
  json uid_map = id_maps(find_setting(settings, BuildOption::userns_uid_map), "containerID", "hostID", "size");
  json gid_map = id_maps(find_setting(settings, BuildOption::userns_gid_map), "containerID", "hostID", "size");
  if (uid_map.empty()) {
    uid_map = gid_map;
  } else if (gid_map.empty()) {
    gid_map = uid_map;
  }
  json entry = {{"Name", "user"}, {"Host", uid_map.empty()}, {"Path", ""}};
  json automatic = {{"Size", 0},
                    {"InitialSize", 0},
                    {"PasswdFile", ""},
                    {"GroupFile", ""},
                    {"AdditionalUIDMappings", json::array()},
                    {"AdditionalGIDMappings", json::array()}};
  bool is_auto = false;
  if (how != nullptr) {
    const std::string& mode = how->values.back();
    if (mode.starts_with("auto")) {
      is_auto = true;
      entry["Host"] = false;
      for (const auto& option : util::split(mode.size() > 5 ? mode.substr(5) : "", ',')) {
        const size_t eq = option.find('=');
        const std::string key = option.substr(0, eq);
        const std::string value = eq == std::string::npos ? "" : option.substr(eq + 1);
        if (key == "size") {
          automatic["Size"] = std::stoul(value);
        } else if (key == "uidmapping" || key == "gidmapping") {
          const auto parts = util::split(value, ':');
          automatic[key == "uidmapping" ? "AdditionalUIDMappings" : "AdditionalGIDMappings"].push_back(
              {{"container_id", std::stoul(parts[0])},
               {"host_id", std::stoul(parts[1])},
               {"size", std::stoul(parts[2])}});
        }
      }
    } else if (mode.empty() || mode == "container" || mode == "private") {
      entry["Host"] = false;
    } else if (mode == "host") {
      entry["Host"] = true;
    } else {
      entry["Path"] = mode.starts_with("ns:") ? mode.substr(3) : mode;
    }
  }
  if (how != nullptr || !uid_map.empty()) {
    query.add("idmappingoptions", json{{"HostUIDMapping", entry["Host"]},
                                       {"HostGIDMapping", entry["Host"]},
                                       {"UIDMap", uid_map},
                                       {"GIDMap", gid_map},
                                       {"AutoUserNs", is_auto},
                                       {"AutoUserNsOpts", automatic}}
                                      .dump());
  }
  return entry;
}

// The namespaces the way buildah's NamespaceOptionsFromFlagSet records them:
// podman's CLI always sends the user namespace entry, and a service that gets
// no nsoptions at all runs RUN steps in the host's network.
void
add_namespaces(Query& query, const std::vector<BuildSetting>& settings)
{
  json options = json::array({add_user_namespace(query, settings)});
  int policy = 0; // define.NetworkDefault; 1 disabled, 2 enabled
  // buildah's order, which decides the policy when several are given.
  constexpr std::pair<BuildOption, const char*> k_namespaces[] = {{BuildOption::cgroupns, "cgroup"},
                                                                  {BuildOption::ipc, "ipc"},
                                                                  {BuildOption::network, "network"},
                                                                  {BuildOption::pid, "pid"},
                                                                  {BuildOption::uts, "uts"}};
  for (const auto& [option, name] : k_namespaces) {
    const auto setting = std::find_if(settings.begin(), settings.end(), [option = option](const BuildSetting& s) {
      return s.option == option && !s.values.empty();
    });
    if (setting == settings.end()) {
      continue;
    }
    const std::string& how = setting->values.back();
    json entry = {{"Name", name}, {"Host", false}, {"Path", ""}};
    policy = 2;
    if (how == "host") {
      entry["Host"] = true;
    } else if (how == "none" && option == BuildOption::network) {
      policy = 1;
    } else if (!how.empty() && how != "private" && how != "container") {
      entry["Path"] = how.starts_with("ns:") ? how.substr(3) : how;
    }
    options.push_back(entry);
  }
  query.add("nsoptions", options.dump());
  query.add("networkmode", std::to_string(policy));
}

void
add_build_contexts(Query& query, const BuildSetting& setting, const Version& version)
{
  // "name=image:REF" / "name=url:URL"; 5.6 takes them so, older versions a JSON map.
  if (version >= k_build_contexts_repeated) {
    for (const auto& value : setting.values) {
      query.add("additionalbuildcontexts", value);
    }
    return;
  }
  json contexts = json::object();
  for (const auto& value : setting.values) {
    const size_t eq = value.find('=');
    const std::string kind_and_value = value.substr(eq + 1);
    const bool image = kind_and_value.starts_with("image:");
    contexts[value.substr(0, eq)] = {
        {"IsURL", !image}, {"IsImage", image}, {"Value", kind_and_value.substr(kind_and_value.find(':') + 1)}};
  }
  query.add("additionalbuildcontexts", contexts.dump());
}

} // namespace

std::string
option_name(const BuildOption option)
{
  return spec_of(option).name;
}

Version
needed_version(const BuildSetting& setting)
{
  const BuildOptionSpec& row = spec_of(setting.option);
  if ((setting.option == BuildOption::cache_from || setting.option == BuildOption::cache_to) &&
      setting.values.size() > 1) {
    return k_cache_array;
  }
  return row.since;
}

std::string
unsupported(const std::vector<BuildSetting>& settings, const Version& version)
{
  for (const auto& setting : settings) {
    const BuildOptionSpec& row = spec_of(setting.option);
    if (is_absent_default(row, setting)) {
      continue;
    }
    if (const Version needed = needed_version(setting); version < needed) {
      const bool several = needed == k_cache_array && row.since < k_cache_array;
      return fmt::format("{}{} needs podman {}.{} or newer (this host runs {})", row.name,
                         several ? " given more than once" : "", needed.major, needed.minor, version.to_string());
    }
  }
  return {};
}

namespace detail {

void
add_build_settings(Query& query, const std::vector<BuildSetting>& settings, const Version& version)
{
  for (const auto& setting : settings) {
    const BuildOptionSpec& row = spec_of(setting.option);
    if (is_absent_default(row, setting) || setting.values.empty()) {
      continue;
    }
    switch (row.encoding) {
    case Encoding::repeated:
      for (const auto& value : setting.values) {
        query.add(row.key, value);
      }
      break;
    case Encoding::json_array:
      query.add(row.key, json(setting.values).dump());
      break;
    case Encoding::value:
      query.add(row.key, setting.values.back());
      break;
    case Encoding::special:
      if (setting.option == BuildOption::build_context) {
        add_build_contexts(query, setting, version);
      } else if (setting.option == BuildOption::cache_from || setting.option == BuildOption::cache_to) {
        query.add(row.key, version >= k_cache_array ? json(setting.values).dump() : setting.values.front());
      }
      break; // namespaces: add_namespaces, once for all of them
    }
  }
  add_namespaces(query, settings);
}

} // namespace detail

} // namespace pma::libpod
