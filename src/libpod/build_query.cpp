// The query of POST /libpod/build: every option podman's CLI forwards, in the
// form each podman version's handler reads (pkg/api/handlers/compat/images_build.go).
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

enum class Encoding {
  repeated,   // key=v1&key=v2
  json_array, // key=["v1","v2"]
  value,      // key=v (the last value)
  special,    // encoded by hand below
};

struct Row {
  BuildOption option;
  const char* name; // as the user writes it
  const char* key;  // the query parameter
  Encoding encoding;
  Version since;      // the first podman whose handler reads it
  const char* absent; // what the service assumes when the key is absent (then it need not be sent)
};

// clang-format off
constexpr std::array k_rows = {
  Row{BuildOption::add_host, "--add-host", "extrahosts", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::apparmor, "--security-opt apparmor=…", "apparmor", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::build_context, "--build-context", "additionalbuildcontexts", Encoding::special, {4, 2, 0}, nullptr},
  Row{BuildOption::cache_from, "--cache-from", "cachefrom", Encoding::special, {4, 2, 0}, nullptr},
  Row{BuildOption::cache_to, "--cache-to", "cacheto", Encoding::special, {4, 2, 0}, nullptr},
  Row{BuildOption::cache_ttl, "--cache-ttl", "cachettl", Encoding::value, {4, 2, 0}, nullptr},
  Row{BuildOption::cap_add, "--cap-add", "addcaps", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::cap_drop, "--cap-drop", "dropcaps", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::cgroup_parent, "--cgroup-parent", "cgroupparent", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::cgroupns, "--cgroupns", "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  Row{BuildOption::compat_volumes, "--compat-volumes", "compatvolumes", Encoding::value, {5, 2, 0}, "false"},
  Row{BuildOption::cpp_flag, "--cpp-flag", "cppflags", Encoding::json_array, {4, 2, 0}, nullptr},
  Row{BuildOption::cpu_period, "--cpu-period", "cpuperiod", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::cpu_quota, "--cpu-quota", "cpuquota", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::cpu_shares, "--cpu-shares", "cpushares", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::cpuset_cpus, "--cpuset-cpus", "cpusetcpus", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::cpuset_mems, "--cpuset-mems", "cpusetmems", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::created_annotation, "--created-annotation", "createdannotation", Encoding::value, {5, 6, 0}, "true"},
  Row{BuildOption::device, "--device", "devices", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::dns, "--dns", "dnsservers", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::dns_option, "--dns-option", "dnsoptions", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::dns_search, "--dns-search", "dnssearch", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::env, "--env", "setenv", Encoding::repeated, {4, 1, 0}, nullptr},
  Row{BuildOption::from, "--from", "from", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::group_add, "--group-add", "groupadd", Encoding::repeated, {4, 4, 0}, nullptr},
  Row{BuildOption::http_proxy, "--http-proxy", "httpproxy", Encoding::value, {4, 0, 0}, "false"},
  Row{BuildOption::identity_label, "--identity-label", "identitylabel", Encoding::value, {4, 1, 0}, "true"},
  Row{BuildOption::inherit_annotations, "--inherit-annotations", "inheritannotations", Encoding::value, {5, 6, 0}, "true"},
  Row{BuildOption::inherit_labels, "--inherit-labels", "inheritlabels", Encoding::value, {5, 5, 0}, "true"},
  Row{BuildOption::ipc, "--ipc", "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  Row{BuildOption::isolation, "--isolation", "isolation", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::layer_label, "--layer-label", "layerLabel", Encoding::repeated, {4, 7, 0}, nullptr},
  Row{BuildOption::memory, "--memory", "memory", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::memory_swap, "--memory-swap", "memswap", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::network, "--network", "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  Row{BuildOption::no_hosts, "--no-hosts", "nohosts", Encoding::value, {5, 4, 0}, "false"},
  Row{BuildOption::omit_history, "--omit-history", "omithistory", Encoding::value, {4, 2, 0}, "false"},
  Row{BuildOption::os_feature, "--os-feature", "osfeature", Encoding::repeated, {4, 1, 0}, nullptr},
  Row{BuildOption::os_version, "--os-version", "osversion", Encoding::value, {4, 1, 0}, nullptr},
  Row{BuildOption::pid, "--pid", "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  Row{BuildOption::retry, "--retry", "retry", Encoding::value, {5, 3, 0}, nullptr},
  Row{BuildOption::retry_delay, "--retry-delay", "retry-delay", Encoding::value, {5, 3, 0}, nullptr},
  Row{BuildOption::rewrite_timestamp, "--rewrite-timestamp", "rewritetimestamp", Encoding::value, {5, 6, 0}, "false"},
  Row{BuildOption::sbom_image_output, "--sbom-image-output", "sbom-image-output", Encoding::value, {5, 7, 0}, nullptr},
  Row{BuildOption::sbom_image_purl_output, "--sbom-image-purl-output", "sbom-image-purl-output", Encoding::value, {5, 7, 0}, nullptr},
  Row{BuildOption::sbom_merge_strategy, "--sbom-merge-strategy", "sbom-merge-strategy", Encoding::value, {5, 7, 0}, nullptr},
  Row{BuildOption::sbom_scanner_command, "--sbom-scanner-command", "sbom-scanner-command", Encoding::json_array, {5, 7, 0}, nullptr},
  Row{BuildOption::sbom_scanner_image, "--sbom-scanner-image", "sbom-scanner-image", Encoding::value, {5, 7, 0}, nullptr},
  Row{BuildOption::seccomp, "--security-opt seccomp=…", "seccomp", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::secret, "--secret", "secrets", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::security_label, "--security-opt label=…", "labelopts", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::shm_size, "--shm-size", "shmsize", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::skip_unused_stages, "--skip-unused-stages", "skipunusedstages", Encoding::value, {4, 3, 0}, "true"},
  Row{BuildOption::source_date_epoch, "--source-date-epoch", "sourcedateepoch", Encoding::value, {5, 6, 0}, nullptr},
  Row{BuildOption::timestamp, "--timestamp", "timestamp", Encoding::value, {4, 0, 0}, nullptr},
  Row{BuildOption::ulimit, "--ulimit", "ulimits", Encoding::json_array, {4, 0, 0}, nullptr},
  Row{BuildOption::unset_annotation, "--unsetannotation", "unsetannotation", Encoding::repeated, {5, 6, 0}, nullptr},
  Row{BuildOption::unset_env, "--unsetenv", "unsetenv", Encoding::repeated, {4, 0, 0}, nullptr},
  Row{BuildOption::unset_label, "--unsetlabel", "unsetlabel", Encoding::repeated, {4, 8, 0}, nullptr},
  Row{BuildOption::userns, "--userns", "idmappingoptions", Encoding::special, {4, 3, 0}, "host"},
  Row{BuildOption::userns_gid_map, "--userns-gid-map", "idmappingoptions", Encoding::special, {4, 3, 0}, nullptr},
  Row{BuildOption::userns_uid_map, "--userns-uid-map", "idmappingoptions", Encoding::special, {4, 3, 0}, nullptr},
  Row{BuildOption::uts, "--uts", "nsoptions", Encoding::special, {4, 0, 0}, nullptr},
  Row{BuildOption::volume, "--volume", "volume", Encoding::repeated, {4, 4, 0}, nullptr},
};
// clang-format on
static_assert(k_rows.size() == static_cast<size_t>(BuildOption::volume) + 1, "every BuildOption has its row");

constexpr Version k_cache_array{4, 4, 0};             // cachefrom/cacheto: one plain name before
constexpr Version k_build_contexts_repeated{5, 6, 0}; // additionalbuildcontexts: a JSON map before

const Row&
row_of(const BuildOption option)
{
  const auto* row =
      std::find_if(k_rows.begin(), k_rows.end(), [option](const Row& candidate) { return candidate.option == option; });
  return *row; // every option has its row (checked by a unit test)
}

bool
is_absent_default(const Row& row, const BuildSetting& setting)
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
  return row_of(option).name;
}

Version
needed_version(const BuildSetting& setting)
{
  const Row& row = row_of(setting.option);
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
    const Row& row = row_of(setting.option);
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
    const Row& row = row_of(setting.option);
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
