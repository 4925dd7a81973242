// Compose files as they are (the compose specification's build.md): every
// service with a build: section is a target of the release, its image: the
// first tag. Values are interpolated from the environment and the project's
// .env as they are read. YAML boundary.
#include <pma/oci/platform.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "yaml_nodes.hpp"

namespace pma::bake::detail {

using util::Result;

namespace {

const std::vector<std::string> k_top_keys = {"version", "name",    "include", "services", "networks",
                                             "volumes", "secrets", "configs", "models"};

// Every key of a service in the compose specification's schema: those that
// make no sense for a build are ignored, anything else is a typo.
// clang-format off
const std::vector<std::string> k_service_keys = {
    "annotations", "attach", "blkio_config", "build", "cap_add", "cap_drop", "cgroup", "cgroup_parent", "command",
    "configs", "container_name", "cpu_count", "cpu_percent", "cpu_period", "cpu_quota", "cpu_rt_period",
    "cpu_rt_runtime", "cpu_shares", "cpus", "cpuset", "credential_spec", "depends_on", "deploy", "develop",
    "device_cgroup_rules", "devices", "dns", "dns_opt", "dns_search", "domainname", "entrypoint", "env_file",
    "environment", "expose", "extends", "external_links", "extra_hosts", "gpus", "group_add", "healthcheck",
    "hostname", "image", "init", "ipc", "isolation", "label_file", "labels", "links", "logging", "mac_address",
    "mem_limit", "mem_reservation", "mem_swappiness", "memswap_limit", "models", "network_mode", "networks",
    "oom_kill_disable", "oom_score_adj", "pid", "pids_limit", "platform", "ports", "post_start", "pre_stop",
    "privileged", "profiles", "provider", "pull_policy", "pull_refresh_after", "read_only", "restart", "runtime",
    "scale", "secrets", "security_opt", "shm_size", "stdin_open", "stop_grace_period", "stop_signal", "storage_opt",
    "sysctls", "tmpfs", "tty", "ulimits", "use_api_socket", "user", "userns_mode", "uts", "volumes", "volumes_from",
    "working_dir"};
// clang-format on

const std::vector<std::string> k_build_keys = {"additional_contexts",
                                               "args",
                                               "cache_from",
                                               "cache_to",
                                               "context",
                                               "dockerfile",
                                               "dockerfile_inline",
                                               "entitlements",
                                               "extra_hosts",
                                               "isolation",
                                               "labels",
                                               "network",
                                               "no_cache",
                                               "platforms",
                                               "privileged",
                                               "provenance",
                                               "pull",
                                               "sbom",
                                               "secrets",
                                               "shm_size",
                                               "ssh",
                                               "tags",
                                               "target",
                                               "ulimits"};

// What a build: key of ours becomes.
const std::vector<std::pair<std::string, std::string>> k_renamed = {
    {"context", "context"},   {"dockerfile", "file"},    {"dockerfile_inline", "file-inline"},
    {"target", "target"},     {"network", "network"},    {"no_cache", "no-cache"},
    {"shm_size", "shm-size"}, {"isolation", "isolation"}};

// A secret of the top-level secrets: section.
struct SecretSource {
  std::string file; // as written, relative to the project directory
  std::string environment;
  bool external = false;
};

class ComposeReader {
public:
  explicit ComposeReader(const Nodes& plain)
    : m_plain(plain)
    , m_nodes(plain.file(), plain.base(), &m_how)
  {
    m_how.compose = true;
    m_how.warnings = &m_out.warnings;
    m_how.lookup = [this](const std::string_view name) -> Result<std::optional<std::string>> {
      if (const char* value = std::getenv(std::string(name).c_str()); value != nullptr) {
        return std::optional<std::string>(value);
      }
      if (const auto it = m_dotenv.find(std::string(name)); it != m_dotenv.end()) {
        return std::optional(it->second);
      }
      return std::optional<std::string>();
    };
  }

  Result<Definition>
  read(const YAML::Node& root)
  {
    PMA_TRY_ASSIGN(m_dotenv, read_dotenv(m_plain.base() / ".env"));
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(root, "the compose file"));
    YAML::Node services;
    for (const auto& [key, value] : items) {
      if (key.Scalar().starts_with("x-")) {
        continue;
      }
      PMA_TRY_ASSIGN(const auto name, m_nodes.key(key, k_top_keys, "the compose file"));
      if (name == "include" && !value.IsNull()) {
        return m_nodes.error(key, "include: is not read by bake", "give each file with -f instead");
      }
      if (name == "secrets" && !value.IsNull()) {
        PMA_TRY(read_secrets(value));
      }
      if (name == "services") {
        services = value;
      }
    }
    GroupSpec all{"default", m_nodes.where(root), {}};
    if (services.IsNull()) {
      return std::move(m_out);
    }
    PMA_TRY_ASSIGN(const auto entries, m_nodes.items(services, "services"));
    for (const auto& [key, value] : entries) {
      PMA_TRY_ASSIGN(const bool built, read_service(key, value));
      if (built) {
        all.members.push_back({m_out.targets.back().name, m_nodes.where(key), m_plain.base(), true});
      }
    }
    m_out.groups.push_back(std::move(all)); // every service with a build section, as buildx bake does
    return std::move(m_out);
  }

private:
  // buildx's rule: a '.' of a service name becomes '_'.
  static std::string
  target_name(std::string name)
  {
    std::replace(name.begin(), name.end(), '.', '_');
    return name;
  }

  Result<void>
  read_secrets(const YAML::Node& node)
  {
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(node, "secrets"));
    for (const auto& [key, value] : items) {
      SecretSource source;
      if (value.IsMap()) {
        PMA_TRY_ASSIGN(const auto fields, m_nodes.items(value, "a secret"));
        for (const auto& [field, setting] : fields) {
          PMA_TRY_ASSIGN(const auto text, m_nodes.scalar(setting, field.Scalar()));
          if (field.Scalar() == "file") {
            source.file = text.value;
          } else if (field.Scalar() == "environment") {
            source.environment = text.value;
          } else if (field.Scalar() == "external") {
            source.external = text.value == "true";
          }
        }
      }
      m_secrets.emplace_back(key.Scalar(), source);
    }
    return {};
  }

  // Whether the service is a target (it has a build: section).
  Result<bool>
  read_service(const YAML::Node& key, const YAML::Node& value)
  {
    const std::string name = target_name(key.Scalar());
    if (!valid_name(name)) {
      return m_nodes.error(
          key, fmt::format("service name '{}' cannot be a target name (letters, digits, '_', '-')", key.Scalar()));
    }
    if (value.IsNull()) {
      return false;
    }
    const std::string what = fmt::format("service {}", key.Scalar());
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(value, what));
    YAML::Node build;
    YAML::Node image;
    YAML::Node platform;
    for (const auto& [field, setting] : items) {
      if (field.Scalar().starts_with("x-")) {
        continue;
      }
      PMA_TRY_ASSIGN(const auto known, m_nodes.key(field, k_service_keys, what));
      if (known == "build") {
        build = setting;
      } else if (known == "image") {
        image = setting;
      } else if (known == "platform") {
        platform = setting;
      } else if (known == "extends") {
        m_out.warnings.push_back(fmt::format("{}: extends: is not read by bake: {} is built from its own build: "
                                             "section only",
                                             where(m_nodes.where(field)), key.Scalar()));
      }
    }
    if (!build || build.IsNull()) {
      return false; // a service that only runs an image
    }
    TargetSpec target;
    target.name = name;
    target.where = m_nodes.where(key);
    target.base = m_plain.base();
    if (build.IsScalar()) {
      PMA_TRY_ASSIGN(auto context, m_nodes.scalar(build, "build"));
      target.fields.push_back({"context", m_nodes.where(build), {std::move(context)}});
    } else {
      PMA_TRY_ASSIGN(const auto fields, m_nodes.items(build, fmt::format("{} build", what)));
      for (const auto& [field, setting] : fields) {
        PMA_TRY(read_build_key(field, setting, target));
      }
    }
    PMA_TRY(add_image_and_platform(image, platform, target));
    m_out.targets.push_back(std::move(target));
    return true;
  }

  Result<void>
  read_build_key(const YAML::Node& key, const YAML::Node& value, TargetSpec& target)
  {
    const std::string& name = key.Scalar();
    if (name == "x-bake") {
      return read_x_bake(value, target);
    }
    if (name.starts_with("x-") || value.IsNull()) {
      return {};
    }
    PMA_TRY_ASSIGN(const auto known, m_nodes.key(key, k_build_keys, "build"));
    const Location at = m_nodes.where(key);
    for (const auto& [compose, ours] : k_renamed) {
      if (known == compose) {
        PMA_TRY_ASSIGN(auto text, m_nodes.scalar(value, known));
        target.fields.push_back({ours, at, {std::move(text)}});
        return {};
      }
    }
    if (known == "args" || known == "labels") {
      PMA_TRY_ASSIGN((known == "args" ? target.args : target.labels), m_nodes.entries(value, known));
    } else if (known == "additional_contexts") {
      PMA_TRY_ASSIGN(target.contexts, m_nodes.entries(value, known));
      for (auto& entry : target.contexts) {
        if (entry.text.value.starts_with("service:")) {
          entry.text.value = "target:" + target_name(entry.text.value.substr(8));
        }
      }
    } else if (known == "platforms" || known == "tags") {
      PMA_TRY_ASSIGN(auto texts, m_nodes.list(value, known));
      target.fields.push_back({known, at, std::move(texts)});
    } else if (known == "pull") {
      PMA_TRY_ASSIGN(auto text, m_nodes.scalar(value, known));
      if (text.value == "true") { // compose's pull is "always"; false is the default policy
        text.value = "always";
        target.fields.push_back({"pull", at, {std::move(text)}});
      }
    } else if (known == "cache_from" || known == "cache_to") {
      PMA_TRY_ASSIGN(auto texts, m_nodes.list(value, known));
      PMA_TRY(add_caches(known == "cache_from" ? "cache-from" : "cache-to", at, std::move(texts), target));
    } else if (known == "extra_hosts") {
      PMA_TRY_ASSIGN(auto texts, m_nodes.list(value, known, '='));
      for (auto& text : texts) {
        text.value = host_entry(text.value);
      }
      target.fields.push_back({"add-host", at, std::move(texts)});
    } else if (known == "ulimits") {
      PMA_TRY(add_ulimits(value, at, target));
    } else if (known == "secrets") {
      PMA_TRY(add_secrets(value, at, target));
    } else {
      m_out.warnings.push_back(
          fmt::format("{}: build.{} is not carried by podman's build endpoint: ignored", where(at), known));
    }
    return {};
  }

  // x-bake (buildx's extension): its platforms and tags are added.
  Result<void>
  read_x_bake(const YAML::Node& value, TargetSpec& target)
  {
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(value, "x-bake"));
    for (const auto& [key, setting] : items) {
      if (key.Scalar() != "platforms" && key.Scalar() != "tags") {
        m_out.warnings.push_back(fmt::format("{}: x-bake.{} is not read by podman-multiarch: ignored",
                                             where(m_nodes.where(key)), key.Scalar()));
        continue;
      }
      PMA_TRY_ASSIGN(auto texts, m_nodes.list(setting, key.Scalar()));
      Field* field = target.field(key.Scalar());
      if (field == nullptr) {
        target.fields.push_back({key.Scalar(), m_nodes.where(key), {}});
        field = &target.fields.back();
      }
      field->values.insert(field->values.end(), texts.begin(), texts.end());
    }
    return {};
  }

  // "host=ip", "host:ip", "host=[::1]" → podman's "host:ip".
  static std::string
  host_entry(const std::string& value)
  {
    const size_t separator = value.find('=') != std::string::npos ? value.find('=') : value.find(':');
    if (separator == std::string::npos) {
      return value;
    }
    std::string ip = value.substr(separator + 1);
    if (ip.size() > 2 && ip.front() == '[' && ip.back() == ']') {
      ip = ip.substr(1, ip.size() - 2);
    }
    return value.substr(0, separator) + ":" + ip;
  }

  // cache_from/cache_to: NAME or type=registry,ref=NAME; podman's layer cache
  // is a repository, so a tag is dropped; other cache types are ignored, as
  // the specification says of unsupported ones.
  Result<void>
  add_caches(const std::string& key, const Location& at, std::vector<Text> texts, TargetSpec& target)
  {
    std::vector<Text> kept;
    kept.reserve(texts.size());
    for (auto& text : texts) {
      std::string reference = text.value;
      if (reference.find('=') != std::string::npos) {
        std::string type;
        reference.clear();
        for (const auto& part : util::split(text.value, ',')) {
          if (part.starts_with("type=")) {
            type = part.substr(5);
          } else if (part.starts_with("ref=")) {
            reference = part.substr(4);
          }
        }
        if (type != "registry" || reference.empty()) {
          m_out.warnings.push_back(fmt::format("{}: {} '{}': podman caches layers in a registry only: ignored",
                                               where(text.where), key, text.value));
          continue;
        }
      }
      if (auto ref = oci::ImageRef::parse_normalized(reference); ref && (!ref->tag.empty() || !ref->digest.empty())) {
        m_out.warnings.push_back(fmt::format("{}: {} '{}': podman's layer cache is a whole repository: {} is used",
                                             where(text.where), key, reference, ref->name()));
        reference = ref->name();
      }
      text.value = reference;
      kept.push_back(std::move(text));
    }
    if (!kept.empty()) {
      target.fields.push_back({key, at, std::move(kept)});
    }
    return {};
  }

  Result<void>
  add_ulimits(const YAML::Node& value, const Location& at, TargetSpec& target) const
  {
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(value, "ulimits"));
    std::vector<Text> limits;
    limits.reserve(items.size());
    for (const auto& [name, limit] : items) {
      if (limit.IsMap()) {
        if (!limit["soft"] || !limit["hard"]) {
          return m_nodes.error(limit, fmt::format("ulimits: {} needs soft: and hard:", name.Scalar()));
        }
        PMA_TRY_ASSIGN(const auto soft, m_nodes.scalar(limit["soft"], "soft"));
        PMA_TRY_ASSIGN(const auto hard, m_nodes.scalar(limit["hard"], "hard"));
        limits.push_back({fmt::format("{}={}:{}", name.Scalar(), soft.value, hard.value), m_nodes.where(name),
                          m_plain.base(), true});
      } else {
        PMA_TRY_ASSIGN(const auto both, m_nodes.scalar(limit, name.Scalar()));
        limits.push_back({fmt::format("{}={}", name.Scalar(), both.value), m_nodes.where(name), m_plain.base(), true});
      }
    }
    target.fields.push_back({"ulimit", at, std::move(limits)});
    return {};
  }

  // A build's secrets name those of the top-level secrets: (short: NAME;
  // long: source and target, the ID the Containerfile mounts).
  Result<void>
  add_secrets(const YAML::Node& value, const Location& at, TargetSpec& target) const
  {
    std::vector<Text> secrets;
    for (const auto& item : value) {
      Text source;
      std::string id;
      if (item.IsMap()) {
        if (!item["source"]) {
          return m_nodes.error(item, "a secret in the long form needs source:");
        }
        PMA_TRY_ASSIGN(source, m_nodes.scalar(item["source"], "secrets: source"));
        if (item["target"]) {
          PMA_TRY_ASSIGN(const auto named, m_nodes.scalar(item["target"], "secrets: target"));
          id = named.value;
        }
      } else {
        PMA_TRY_ASSIGN(source, m_nodes.scalar(item, "a secret"));
      }
      id = id.empty() ? source.value : id;
      const auto it = std::find_if(m_secrets.begin(), m_secrets.end(),
                                   [&](const auto& secret) { return secret.first == source.value; });
      if (it == m_secrets.end()) {
        return error_at(source.where,
                        fmt::format("secret {} is not defined under the top-level secrets:", source.value));
      }
      if (it->second.external || (it->second.file.empty() && it->second.environment.empty())) {
        return error_at(source.where, fmt::format("secret {}: only file: and environment: secrets can be sent to "
                                                  "a build",
                                                  source.value));
      }
      source.value = it->second.file.empty() ? fmt::format("id={},env={}", id, it->second.environment)
                                             : fmt::format("id={},src={}", id, it->second.file);
      secrets.push_back(std::move(source));
    }
    target.fields.push_back({"secrets", at, std::move(secrets)});
    return {};
  }

  // image: is the first tag, build.tags follow; a service's platform: is its
  // build's platform unless build.platforms are given, which must contain it.
  Result<void>
  add_image_and_platform(const YAML::Node& image, const YAML::Node& platform, TargetSpec& target) const
  {
    if (image && !image.IsNull()) {
      PMA_TRY_ASSIGN(auto text, m_nodes.scalar(image, "image"));
      Field* tags = target.field("tags");
      if (tags == nullptr) {
        target.fields.push_back({"tags", text.where, {}});
        tags = &target.fields.back();
      }
      if (std::none_of(tags->values.begin(), tags->values.end(),
                       [&](const Text& t) { return t.value == text.value; })) {
        tags->values.insert(tags->values.begin(), std::move(text));
      }
    }
    if (!platform || platform.IsNull()) {
      return {};
    }
    PMA_TRY_ASSIGN(auto text, m_nodes.scalar(platform, "platform"));
    const Field* platforms = target.field("platforms");
    if (platforms == nullptr) {
      target.fields.push_back({"platforms", text.where, {std::move(text)}});
      return {};
    }
    auto wanted = oci::Platform::parse(text.value);
    for (const auto& listed : platforms->values) {
      auto parsed = oci::Platform::parse(listed.value);
      if (!wanted || (parsed && *parsed == *wanted)) {
        return {};
      }
    }
    return error_at(text.where,
                    fmt::format("platform {} is not among build.platforms (compose refuses it too)", text.value));
  }

  const Nodes& m_plain;
  Interpolation m_how;
  Nodes m_nodes;
  std::map<std::string, std::string> m_dotenv;
  std::vector<std::pair<std::string, SecretSource>> m_secrets;
  Definition m_out;
};

} // namespace

Result<Definition>
read_compose_file(const YAML::Node& root, const Nodes& nodes)
{
  return ComposeReader(nodes).read(root);
}

} // namespace pma::bake::detail
