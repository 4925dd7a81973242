// podman-multiarch.yaml reader. YAML boundary: yaml-cpp stays in this file and
// its exceptions become config errors carrying file:line:col.
#include <pma/config/config_file.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <regex>

namespace pma::config {

using util::ErrorClass;
using util::Result;

namespace {

const std::vector<std::string> k_top_keys = {"hosts", "farms", "default-farm"};
const std::vector<std::string> k_host_keys = {"url", "identity", "known-hosts", "platforms", "connection", "max-jobs"};

class Reader {
public:
  explicit Reader(std::filesystem::path path)
    : m_path(std::move(path))
  {
  }

  Location
  where(const YAML::Mark& mark) const
  {
    return {m_path.string(), mark.line + 1, mark.column + 1};
  }

  util::Unexpected
  error(const YAML::Node& node, const std::string& message) const
  {
    return error_at(node.Mark(), message);
  }

  util::Unexpected
  error_at(const YAML::Mark& mark, const std::string& message) const
  {
    return util::fail(ErrorClass::config, fmt::format("{}: {}", where(mark).to_string(), message));
  }

  Result<std::string>
  scalar(const YAML::Node& node, const std::string& what) const
  {
    if (!node.IsScalar()) {
      return error(node, fmt::format("{} must be a string", what));
    }
    return node.Scalar();
  }

  Result<ConfigFile>
  read(const YAML::Node& root)
  {
    ConfigFile config;
    config.path = m_path;
    if (root.IsNull()) {
      return config; // an empty file is a valid, empty configuration
    }
    if (!root.IsMap()) {
      return error(root, "the configuration must be a mapping with keys hosts, farms, default-farm");
    }
    for (const auto& item : root) {
      const std::string key = item.first.Scalar();
      if (key == "hosts") {
        PMA_TRY(read_hosts(item.second, config));
      } else if (key == "farms") {
        PMA_TRY(read_farms(item.second, config));
      } else if (key == "default-farm") {
        PMA_TRY_ASSIGN(auto name, scalar(item.second, "default-farm"));
        config.default_farm = name;
        config.default_farm_location = where(item.second.Mark());
      } else {
        return error(item.first, fmt::format("unknown key '{}'{}", key, util::did_you_mean(key, k_top_keys)));
      }
    }
    return validate(std::move(config));
  }

private:
  Result<void>
  read_hosts(const YAML::Node& node, ConfigFile& config) const
  {
    if (node.IsNull()) {
      return {};
    }
    if (!node.IsMap()) {
      return error(node, "hosts must be a mapping of host name to settings");
    }
    for (const auto& item : node) {
      HostEntry host;
      host.name = item.first.Scalar();
      host.location = where(item.first.Mark());
      PMA_TRY(check_name(item.first, "host"));
      if (config.find_host(host.name)) {
        return error(item.first, fmt::format("host '{}' is defined twice", host.name));
      }
      const YAML::Node& settings = item.second;
      if (settings.IsScalar() && !settings.Scalar().empty()) {
        // Shorthand: "name: unix:///path"
        PMA_TRY(set_url(settings, host));
      } else if (!settings.IsMap()) {
        return error(settings, fmt::format("host '{}' must be a mapping (url:, identity:, …) or a URL", host.name));
      } else {
        for (const auto& field : settings) {
          PMA_TRY(read_host_field(field.first, field.second, host));
        }
      }
      if (!host.url && host.connection.empty()) {
        return error(item.first, fmt::format("host '{}' needs url: or connection:", host.name));
      }
      if (host.url && !host.connection.empty()) {
        return error(item.first, fmt::format("host '{}' has both url: and connection:; keep one", host.name));
      }
      config.hosts.push_back(std::move(host));
    }
    return {};
  }

  Result<void>
  read_host_field(const YAML::Node& key_node, const YAML::Node& value, HostEntry& host) const
  {
    const std::string& key = key_node.Scalar();
    if (key == "url") {
      return set_url(value, host);
    }
    if (key == "platforms") {
      return set_platforms(value, host);
    }
    if (key == "max-jobs") {
      PMA_TRY_ASSIGN(const auto text, scalar(value, key));
      char* end = nullptr;
      const long jobs = std::strtol(text.c_str(), &end, 10);
      if (text.empty() || *end != '\0' || jobs < 1 || jobs > 1024) {
        return error(value, fmt::format("max-jobs of host '{}' must be a whole number from 1 to 1024", host.name));
      }
      host.max_jobs = static_cast<int>(jobs);
      return {};
    }
    std::string* target = key == "identity"      ? &host.identity
                          : key == "known-hosts" ? &host.known_hosts
                          : key == "connection"  ? &host.connection
                                                 : nullptr;
    if (target == nullptr) {
      return error(key_node, fmt::format("unknown key '{}' in host '{}'{}", key, host.name,
                                         util::did_you_mean(key, k_host_keys)));
    }
    PMA_TRY_ASSIGN(auto text, scalar(value, key));
    *target = text;
    return {};
  }

  Result<void>
  set_url(const YAML::Node& value, HostEntry& host) const
  {
    PMA_TRY_ASSIGN(auto text, scalar(value, "url"));
    auto url = transport::HostUrl::parse(text);
    if (!url) {
      return error(value, url.error().message + (url.error().hint.empty() ? "" : " — " + url.error().hint));
    }
    host.url = *url;
    return {};
  }

  Result<void>
  set_platforms(const YAML::Node& value, HostEntry& host) const
  {
    std::vector<YAML::Node> items;
    if (value.IsScalar()) {
      items.push_back(value); // "platforms: linux/arm64" or a comma list
    } else if (value.IsSequence()) {
      for (const auto& item : value) {
        items.push_back(item);
      }
    } else {
      return error(value, "platforms must be a list such as [linux/arm64/v8]");
    }
    for (const auto& item : items) {
      PMA_TRY_ASSIGN(auto text, scalar(item, "a platform"));
      for (const auto& part : util::split(text, ',')) {
        auto platform = oci::Platform::parse(part);
        if (!platform) {
          return error(item, platform.error().message);
        }
        host.platforms.push_back(*platform);
      }
    }
    return {};
  }

  Result<void>
  read_farms(const YAML::Node& node, ConfigFile& config) const
  {
    if (node.IsNull()) {
      return {};
    }
    if (!node.IsMap()) {
      return error(node, "farms must be a mapping of farm name to a list of host names");
    }
    for (const auto& item : node) {
      FarmEntry farm;
      farm.name = item.first.Scalar();
      farm.location = where(item.first.Mark());
      PMA_TRY(check_name(item.first, "farm"));
      if (config.find_farm(farm.name)) {
        return error(item.first, fmt::format("farm '{}' is defined twice", farm.name));
      }
      if (!item.second.IsSequence()) {
        return error(item.second, fmt::format("farm '{}' must be a list of host names", farm.name));
      }
      for (const auto& member : item.second) {
        PMA_TRY_ASSIGN(auto name, scalar(member, "a farm member"));
        farm.members.push_back(name);
        farm.member_locations.push_back(where(member.Mark()));
      }
      config.farms.push_back(std::move(farm));
    }
    return {};
  }

  Result<void>
  check_name(const YAML::Node& node, const char* what) const
  {
    static const std::regex k_name(R"([A-Za-z0-9][A-Za-z0-9._-]*)");
    if (!node.IsScalar() || !std::regex_match(node.Scalar(), k_name)) {
      return error(node, fmt::format("invalid {} name '{}' (letters, digits, '.', '_', '-')", what,
                                     node.IsScalar() ? node.Scalar() : "?"));
    }
    return {};
  }

  // Cross-references that name nothing in this file may still name podman
  // connections or farms: those are checked when hosts are selected.
  Result<ConfigFile>
  validate(ConfigFile config) const
  {
    for (const auto& farm : config.farms) {
      if (farm.members.empty()) {
        return util::fail(ErrorClass::config,
                          fmt::format("{}: farm '{}' has no hosts", farm.location.to_string(), farm.name));
      }
    }
    return config;
  }

  const std::filesystem::path m_path;
};

} // namespace

std::string
Location::to_string() const
{
  return fmt::format("{}:{}:{}", file, line, column);
}

const HostEntry*
ConfigFile::find_host(const std::string_view name) const
{
  for (const auto& host : hosts) {
    if (host.name == name) {
      return &host;
    }
  }
  return nullptr;
}

const FarmEntry*
ConfigFile::find_farm(const std::string_view name) const
{
  for (const auto& farm : farms) {
    if (farm.name == name) {
      return &farm;
    }
  }
  return nullptr;
}

Result<ConfigFile>
parse_config(const std::string_view text, const std::filesystem::path& path)
{
  Reader reader(path);
  try {
    const YAML::Node root = YAML::Load(std::string(text));
    return reader.read(root);
  } catch (const YAML::Exception& e) {
    return reader.error_at(e.mark, e.msg);
  }
}

Result<ConfigFile>
load_config(const std::filesystem::path& path)
{
  PMA_TRY_ASSIGN(auto text, util::read_file(path));
  return parse_config(text, path);
}

std::vector<std::string>
config_search_path()
{
  return {"--config FILE", "$PODMAN_MULTIARCH_CONFIG", "./podman-multiarch.yaml",
          (util::xdg_config_home() / "podman-multiarch" / "config.yaml").string(), "/etc/podman-multiarch/config.yaml"};
}

Result<std::optional<std::filesystem::path>>
find_config(const std::string& explicit_path)
{
  const auto named = [](const std::string& path, const char* source) -> Result<std::optional<std::filesystem::path>> {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(util::expand_user(path), ec)) {
      return util::fail(ErrorClass::config, fmt::format("config file {} (from {}) does not exist", path, source));
    }
    return util::expand_user(path);
  };
  if (!explicit_path.empty()) {
    return named(explicit_path, "--config");
  }
  if (const std::string from_env = util::env("PODMAN_MULTIARCH_CONFIG"); !from_env.empty()) {
    return named(from_env, "PODMAN_MULTIARCH_CONFIG");
  }
  for (const std::filesystem::path& candidate :
       {std::filesystem::path("podman-multiarch.yaml"), util::xdg_config_home() / "podman-multiarch" / "config.yaml",
        std::filesystem::path("/etc/podman-multiarch/config.yaml")}) {
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) {
      return std::optional(candidate);
    }
  }
  return std::optional<std::filesystem::path>();
}

} // namespace pma::config
