// A target of a release file into a job::ReleaseTarget (release_files.hpp,
// step 6): every value checked as the build command line checks it
// (job/option_values.hpp), errors placed at the value in its file.
#include <pma/job/option_values.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "keys.hpp"
#include "release_files.hpp"

namespace pma::bake::detail {

using util::Result;

namespace {

// `text` as a path: "~" expanded, a relative one below `base`.
std::filesystem::path
path_of(const std::filesystem::path& base, const std::string& text)
{
  std::filesystem::path path = util::expand_user(text);
  if (path.is_relative() && !base.empty()) {
    path = base / path;
  }
  path = path.lexically_normal();
  if (path.filename().empty() && path.has_relative_path()) {
    path = path.parent_path(); // "dir/." is "dir", not "dir/"
  }
  return path;
}

Result<bool>
boolean(const Text& text, const std::string& key)
{
  const std::string value = util::to_lower(text.value);
  if (value != "true" && value != "false") {
    return error_at(text.where, fmt::format("{} must be true or false, not '{}'", key, text.value));
  }
  return value == "true";
}

class Resolver {
public:
  Resolver(const TargetSpec& spec, const LoadRequest& request)
    : m_spec(spec)
    , m_request(request)
  {
    m_out.name = spec.name;
    m_out.options = request.base;
  }

  Result<job::ReleaseTarget>
  run() &&
  {
    auto& options = m_out.options;
    PMA_TRY(read_context());
    PMA_TRY(read_containerfile());
    PMA_TRY(read_platforms());
    PMA_TRY(read_tags());
    for (const auto& entry : m_spec.args) {
      PMA_TRY(add_arg(entry, options.build_args));
    }
    for (const auto& entry : m_spec.labels) {
      options.labels.push_back(entry.has_value ? entry.key + "=" + entry.text.value : entry.key);
    }
    PMA_TRY(read_contexts());
    PMA_TRY(read_platform_args());
    bool epoch_given = false;
    for (const auto& field : m_spec.fields) {
      PMA_TRY(read_field(field));
      epoch_given = epoch_given || field.key == "source-date-epoch";
    }
    options.no_cache = options.no_cache || m_request.no_cache;
    if (m_request.pull) {
      options.pull = *m_request.pull;
    }
    PMA_TRY(placed(m_spec.where, job::add_source_date_epoch(options.settings, epoch_given)));
    PMA_TRY(placed(m_spec.where, job::check_combinations(options.settings, epoch_given)));
    PMA_TRY(read_layers());
    if (options.tags.empty() && !options.no_push) {
      return error_at(m_spec.where, fmt::format("target {} has no tags: where would its list go?", m_spec.name),
                      "give it tags: [REGISTRY/NAME:TAG] (compose: image:), or use --no-push");
    }
    return std::move(m_out);
  }

private:
  const Text*
  first(const char* key) const
  {
    const Field* field = m_spec.field(key);
    return field != nullptr && !field->values.empty() ? &field->values.front() : nullptr;
  }

  Result<void>
  read_context()
  {
    std::filesystem::path directory = m_spec.base.empty() ? "." : m_spec.base;
    Location at = m_spec.where;
    if (const Text* context = first("context")) {
      if (context->value.find("://") != std::string::npos || context->value.starts_with("git@")) {
        return error_at(context->where,
                        fmt::format("context {}: only a local directory can be a build context", context->value));
      }
      directory = path_of(context->base, context->value);
      at = context->where;
    }
    std::error_code ec;
    if (!std::filesystem::is_directory(directory, ec)) {
      return error_at(at, fmt::format("context {}: not a directory", directory.string()));
    }
    m_out.options.context_dir = directory;
    return {};
  }

  // file: relative to the context, as buildx and compose read it.
  Result<std::string>
  containerfile(const Text& text) const
  {
    const std::string path = path_of(m_out.options.context_dir, text.value).string();
    PMA_TRY(placed(text.where, job::check_containerfile(path, "file")));
    return path;
  }

  Result<void>
  read_containerfile()
  {
    const Text* inline_text = first("file-inline");
    const Text* file = first("file");
    if (inline_text != nullptr && file != nullptr) {
      return error_at(inline_text->where, "file and file-inline exclude each other");
    }
    if (inline_text != nullptr) {
      m_out.options.containerfile = "-";
      m_out.options.containerfile_text = inline_text->value;
    } else if (file != nullptr) {
      PMA_TRY_ASSIGN(m_out.options.containerfile, containerfile(*file));
    }
    return {};
  }

  Result<void>
  read_platforms()
  {
    auto& options = m_out.options;
    const Field* field = m_spec.field("platforms");
    for (const Text& text : field != nullptr ? field->values : std::vector<Text>{}) {
      PMA_TRY_ASSIGN(const auto parsed,
                     placed(text.where, job::parse_platforms({text.value}, &options.platform_texts)));
      if (std::find(options.platforms.begin(), options.platforms.end(), parsed.front()) == options.platforms.end()) {
        options.platforms.push_back(parsed.front());
      }
    }
    return {};
  }

  Result<void>
  read_tags()
  {
    const Field* field = m_spec.field("tags");
    for (const Text& text : field != nullptr ? field->values : std::vector<Text>{}) {
      PMA_TRY_ASSIGN(auto ref, placed(text.where, oci::ImageRef::parse(text.value)));
      if (!ref.digest.empty()) {
        return error_at(text.where, fmt::format("tag {}: a tag cannot carry a digest", text.value));
      }
      m_out.options.tags.push_back(std::move(ref));
    }
    return {};
  }

  static Result<void>
  add_arg(const Entry& entry, std::map<std::string, std::string>& args)
  {
    const std::string item = entry.has_value ? entry.key + "=" + entry.text.value : entry.key;
    PMA_TRY_ASSIGN(const auto parsed, placed(entry.text.where, job::build_args({}, {item})));
    if (parsed.empty()) {
      args.erase(entry.key); // KEY alone, unset here: the Containerfile's default
      return {};
    }
    args.insert_or_assign(parsed.begin()->first, parsed.begin()->second);
    return {};
  }

  // contexts: target:NAME, a directory (relative to the file), docker-image://REF, http(s)://.
  Result<void>
  read_contexts()
  {
    for (const auto& entry : m_spec.contexts) {
      if (entry.text.value.starts_with("target:")) {
        m_out.target_contexts.push_back({entry.key, entry.text.value.substr(7)});
        continue;
      }
      PMA_TRY(placed(entry.text.where,
                     job::add_build_contexts({entry.key + "=" + entry.text.value}, m_out.options, entry.text.base)));
    }
    return {};
  }

  Result<void>
  read_platform_args()
  {
    auto& options = m_out.options;
    for (const auto& platform_args : m_spec.platform_args) {
      const Text& text = platform_args.platform;
      PMA_TRY_ASSIGN(const auto parsed, placed(text.where, job::parse_platforms({text.value})));
      const oci::Platform& platform = parsed.front();
      if (!options.platforms.empty() &&
          std::find(options.platforms.begin(), options.platforms.end(), platform) == options.platforms.end()) {
        return error_at(text.where, fmt::format("platform-args names {}, which {} does not build", platform.to_string(),
                                                m_spec.name));
      }
      auto& overrides = options.overrides[platform];
      for (const auto& entry : platform_args.args) {
        PMA_TRY(add_arg(entry, overrides.build_args));
      }
      if (!platform_args.target.empty()) {
        overrides.target = platform_args.target.front().value;
      }
      if (!platform_args.file.empty()) {
        PMA_TRY_ASSIGN(overrides.containerfile, containerfile(platform_args.file.front()));
      }
    }
    return {};
  }

  Result<void>
  read_field(const Field& field)
  {
    auto& options = m_out.options;
    const std::string& key = field.key;
    const Text& value = field.values.front();
    if (key == "target") {
      options.target = value.value;
    } else if (key == "required") {
      PMA_TRY_ASSIGN(m_out.required, boolean(value, key));
    } else if (key == "no-cache") {
      PMA_TRY_ASSIGN(options.no_cache, boolean(value, key));
    } else if (key == "pull") {
      const auto policy = job::pull_policy(value.value);
      if (!policy) {
        return error_at(value.where, fmt::format("pull '{}': one of missing, always, newer, never", value.value));
      }
      options.pull = *policy;
    } else if (key == "ignorefile") {
      options.ignore_file = path_of(value.base, value.value).string();
    } else if (key == "jobs") {
      int jobs = -1;
      const auto [end, failed] = std::from_chars(value.value.data(), value.value.data() + value.value.size(), jobs);
      if (failed != std::errc() || end != value.value.data() + value.value.size() || jobs < 0) {
        return error_at(value.where, fmt::format("jobs '{}': a number, 0 or more", value.value));
      }
      options.jobs = jobs;
    } else if (key == "format") {
      if (value.value != "oci" && value.value != "docker") {
        return error_at(value.where, fmt::format("format '{}': oci or docker", value.value));
      }
      options.format = value.value;
    } else if (key == "annotations") {
      for (const auto& text : field.values) {
        PMA_TRY(placed(text.where, job::add_annotations({text.value}, options)));
      }
    } else if (key == "secrets") {
      for (const auto& text : field.values) {
        PMA_TRY_ASSIGN(auto secrets, placed(text.where, job::read_secrets({text.value}, text.base)));
        std::erase_if(options.secrets, [&](const job::Secret& s) { return s.id == secrets.front().id; });
        options.secrets.push_back(std::move(secrets.front()));
      }
    } else if (key == "env") {
      std::vector<std::string> items;
      for (const auto& text : field.values) {
        items.push_back(text.value);
      }
      if (auto env = job::resolved_env(items); !env.empty()) {
        options.settings.push_back({libpod::BuildOption::env, std::move(env)});
      }
    } else if (key == "security-opt") {
      for (const auto& text : field.values) {
        PMA_TRY(placed(text.where, job::add_security_opts({text.value}, options.settings)));
      }
    } else if (const Key* known = find_key(key); known != nullptr && known->spec != nullptr) {
      libpod::BuildSetting setting{known->spec->option, {}};
      for (const auto& text : field.values) {
        std::string given = text.value;
        if (known->spec->syntax == libpod::Syntax::toggle) {
          PMA_TRY_ASSIGN(const bool on, boolean(text, key));
          given = on ? "true" : "false";
        }
        PMA_TRY_ASSIGN(auto checked, placed(text.where, job::forwarded_setting(*known->spec, {given})));
        setting.values.insert(setting.values.end(), checked.values.begin(), checked.values.end());
      }
      if (known->spec->syntax == libpod::Syntax::value || known->spec->syntax == libpod::Syntax::toggle) {
        setting.values.erase(setting.values.begin(), setting.values.end() - 1);
      }
      options.settings.push_back(std::move(setting));
    }
    return {};
  }

  // layers, squash, squash-all, rm, force-rm: podman's rules, as `build` reads them.
  Result<void>
  read_layers()
  {
    auto& options = m_out.options;
    std::map<std::string, bool> given;
    for (const char* key : {"layers", "squash", "squash-all", "rm", "force-rm"}) {
      if (const Text* text = first(key)) {
        PMA_TRY_ASSIGN(given[key], boolean(*text, key));
      }
    }
    const bool squash = given.contains("squash") && given["squash"];
    const bool squash_all = given.contains("squash-all") && given["squash-all"];
    if (squash && squash_all) {
      return error_at(first("squash")->where, "squash and squash-all cannot be combined");
    }
    options.layers = given.contains("layers") ? given["layers"] : !squash && !squash_all;
    if (squash && options.layers) {
      return error_at(first("squash")->where, "squash cannot be combined with layers");
    }
    options.squash = squash_all;
    options.remove = !given.contains("rm") || given["rm"];
    options.force_rm = !given.contains("force-rm") || given["force-rm"];
    return {};
  }

  const TargetSpec& m_spec;
  const LoadRequest& m_request;
  job::ReleaseTarget m_out;
};

} // namespace

Result<job::ReleaseTarget>
resolved(const TargetSpec& target, const LoadRequest& request)
{
  return Resolver(target, request).run();
}

} // namespace pma::bake::detail
