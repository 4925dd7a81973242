// bake --print: the resolved release as JSON (release_view.hpp). The keys of
// buildx bake --print where they mean the same (group, target, context,
// args, labels, tags, platforms, target), ours for the rest. JSON boundary.
#include <pma/libpod/build_settings.hpp>
#include <pma/output/release_view.hpp>
#include <pma/util/redact.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>

namespace pma::output {

using nlohmann::ordered_json;

namespace {

ordered_json
args_json(const std::map<std::string, std::string>& args)
{
  ordered_json out = ordered_json::object();
  for (const auto& [key, value] : args) {
    out[key] = value;
  }
  return out;
}

std::vector<std::string>
platform_texts(const job::BuildOptions& options)
{
  std::vector<std::string> out;
  for (const auto& platform : options.platforms) {
    const auto it = options.platform_texts.find(platform);
    out.push_back(it != options.platform_texts.end() ? it->second : platform.to_string());
  }
  return out;
}

// Every additional context by name, as the file gives it.
ordered_json
contexts_json(const job::ReleaseTarget& target)
{
  std::map<std::string, std::string> contexts;
  for (const auto& context : target.target_contexts) {
    contexts[context.name] = "target:" + context.target;
  }
  for (const auto& context : target.options.local_contexts) {
    contexts[context.name] = context.directory.string();
  }
  for (const auto& setting : target.options.settings) {
    if (setting.option != libpod::BuildOption::build_context) {
      continue;
    }
    for (const auto& value : setting.values) { // NAME=image:REF or NAME=url:URL
      const size_t eq = value.find('=');
      const std::string rest = value.substr(eq + 1);
      contexts[value.substr(0, eq)] = rest.starts_with("image:") ? "docker-image://" + rest.substr(6) : rest.substr(4);
    }
  }
  return args_json(contexts);
}

// The forwarded options by name, as the build sends them.
ordered_json
options_json(const job::BuildOptions& options)
{
  ordered_json out = ordered_json::object();
  for (const auto& setting : options.settings) {
    if (setting.option != libpod::BuildOption::build_context) {
      out[libpod::option_name(setting.option).substr(2)] = setting.values;
    }
  }
  return out;
}

ordered_json
overrides_json(const job::BuildOptions& options)
{
  ordered_json out = ordered_json::object();
  for (const auto& [platform, overrides] : options.overrides) {
    const auto it = options.platform_texts.find(platform);
    out[it != options.platform_texts.end() ? it->second : platform.to_string()] = {
        {"args", args_json(overrides.build_args)},
        {"target", overrides.target.value_or("")},
        {"containerfile", overrides.containerfile.value_or("")}};
  }
  return out;
}

ordered_json
target_json(const job::ReleaseTarget& target)
{
  const auto& options = target.options;
  ordered_json tags = ordered_json::array();
  for (const auto& tag : options.tags) {
    tags.push_back(tag.to_string());
  }
  ordered_json annotations = options.annotations;
  for (const auto& annotation : options.descriptor_annotations) {
    annotations.push_back("manifest-descriptor:" + annotation);
  }
  for (const auto& annotation : options.index_annotations) {
    annotations.push_back("index:" + annotation);
  }
  ordered_json depends = ordered_json::array();
  for (const auto& context : target.target_contexts) {
    if (std::find(depends.begin(), depends.end(), context.target) == depends.end()) {
      depends.push_back(context.target);
    }
  }
  ordered_json secrets = ordered_json::array();
  for (const auto& secret : options.secrets) {
    secrets.push_back(secret.file.empty() ? ordered_json{{"id", secret.id}, {"env", true}}
                                          : ordered_json{{"id", secret.id}, {"file", secret.file.string()}});
  }
  ordered_json out = {
      {"context", options.context_dir.string()},
      {"containerfile", options.containerfile == "-" ? "" : options.containerfile},
      {"platforms", platform_texts(options)},
      {"tags", tags},
      {"args", args_json(options.build_args)},
      {"labels", options.labels},
      {"annotations", annotations},
      {"target", options.target},
      {"platformOverrides", overrides_json(options)},
      {"contexts", contexts_json(target)},
      {"dependsOn", depends},
      {"required", target.required},
      {"noCache", options.no_cache},
      {"pull", options.pull},
      {"format", options.format},
      {"layers", options.layers},
      {"squashAll", options.squash},
      {"rm", options.remove},
      {"forceRm", options.force_rm},
      {"jobs", options.jobs ? ordered_json(*options.jobs) : ordered_json(nullptr)},
      {"ignorefile", options.ignore_file},
      {"secrets", secrets},
      {"options", options_json(options)},
  };
  if (options.containerfile == "-") {
    out["containerfileInline"] = options.containerfile_text;
  }
  return out;
}

} // namespace

std::string
release_json(const bake::LoadedRelease& release)
{
  ordered_json groups = ordered_json::object();
  for (const auto& group : release.groups) {
    groups[group.name] = {{"targets", group.targets}};
  }
  ordered_json targets = ordered_json::object();
  for (const auto& target : release.release.targets) {
    targets[target.name] = target_json(target);
  }
  const ordered_json out = {{"files", release.files}, {"group", groups}, {"target", targets}};
  return util::redact::apply(out.dump(2) + "\n");
}

} // namespace pma::output
