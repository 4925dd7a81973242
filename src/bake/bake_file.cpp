// podman-multiarch.bake.yaml, our release file format (podman-multiarch-bake.yaml(5)):
// variables, groups and targets, read as written; values are interpolated
// later, once per matrix combination (definition.cpp). YAML boundary.
#include <pma/util/fs.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>

#include "keys.hpp"
#include "release_files.hpp"
#include "yaml_nodes.hpp"

namespace pma::bake::detail {

using util::Result;

namespace {

const std::vector<std::string> k_top_keys = {"variables", "groups", "targets"};
const std::vector<std::string> k_platform_keys = {"args", "target", "file"};

bool
variable_name(const std::string_view name)
{
  return !name.empty() && (std::isalpha(static_cast<unsigned char>(name.front())) != 0 || name.front() == '_') &&
         std::all_of(name.begin(), name.end(),
                     [](const char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_'; });
}

class Reader {
public:
  explicit Reader(const Nodes& nodes)
    : m_nodes(nodes)
  {
  }

  Result<Definition>
  read(const YAML::Node& root)
  {
    if (root.IsNull()) {
      return std::move(m_out);
    }
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(root, "the release file"));
    for (const auto& [key, value] : items) {
      if (key.Scalar().starts_with("x-")) {
        continue; // a place for YAML anchors, as in compose
      }
      PMA_TRY_ASSIGN(const auto name, m_nodes.key(key, k_top_keys, "the release file"));
      if (value.IsNull()) {
        continue;
      }
      if (name == "variables") {
        PMA_TRY(read_variables(value));
      } else if (name == "groups") {
        PMA_TRY(read_groups(value));
      } else {
        PMA_TRY(read_targets(value));
      }
    }
    return std::move(m_out);
  }

private:
  Result<void>
  read_variables(const YAML::Node& node)
  {
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(node, "variables"));
    for (const auto& [key, value] : items) {
      if (!variable_name(key.Scalar())) {
        return m_nodes.error(key, fmt::format("invalid variable name '{}' (letters, digits and '_', not starting "
                                              "with a digit)",
                                              key.Scalar()));
      }
      PMA_TRY_ASSIGN(auto text, m_nodes.scalar(value, fmt::format("variable {}", key.Scalar())));
      m_out.variables.push_back({key.Scalar(), std::move(text)});
    }
    return {};
  }

  Result<void>
  read_groups(const YAML::Node& node)
  {
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(node, "groups"));
    for (const auto& [key, value] : items) {
      PMA_TRY(check_name(key, "group"));
      PMA_TRY_ASSIGN(auto members, m_nodes.list(value, fmt::format("group {}", key.Scalar())));
      m_out.groups.push_back({key.Scalar(), m_nodes.where(key), std::move(members)});
    }
    return {};
  }

  Result<void>
  read_targets(const YAML::Node& node)
  {
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(node, "targets"));
    for (const auto& [key, value] : items) {
      PMA_TRY(check_name(key, "target"));
      PMA_TRY_ASSIGN(auto target, read_target(key, value));
      m_out.targets.push_back(std::move(target));
    }
    return {};
  }

  Result<TargetSpec>
  read_target(const YAML::Node& key, const YAML::Node& value)
  {
    TargetSpec target;
    target.name = key.Scalar();
    target.where = m_nodes.where(key);
    target.base = m_nodes.base();
    if (value.IsNull()) {
      return target; // everything by default: the file's directory, its Containerfile
    }
    const std::string what = fmt::format("target {}", target.name);
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(value, what));
    for (const auto& [field_key, field_value] : items) {
      const std::string name = field_key.Scalar();
      if (name.starts_with("x-")) {
        continue;
      }
      const Key* spec = find_key(name);
      if (spec == nullptr) {
        return m_nodes.error(field_key, fmt::format("unknown key '{}' in {}{}", name, what, suggestion(name)));
      }
      if (field_value.IsNull()) {
        continue;
      }
      PMA_TRY(read_field(*spec, field_key, field_value, target));
    }
    return target;
  }

  Result<void>
  read_field(const Key& spec, const YAML::Node& key, const YAML::Node& value, TargetSpec& target)
  {
    const std::string& name = spec.name;
    switch (spec.shape) {
    case Shape::scalar: {
      PMA_TRY_ASSIGN(auto text, m_nodes.scalar(value, name));
      target.fields.push_back({name, m_nodes.where(key), {std::move(text)}});
      return {};
    }
    case Shape::list: {
      PMA_TRY_ASSIGN(auto texts, m_nodes.list(value, name, spec.separator));
      target.fields.push_back({name, m_nodes.where(key), std::move(texts)});
      return {};
    }
    case Shape::entries: {
      PMA_TRY_ASSIGN(auto entries, m_nodes.entries(value, name));
      (name == "args" ? target.args : name == "labels" ? target.labels : target.contexts) = std::move(entries);
      return {};
    }
    case Shape::nested:
      break;
    }
    return name == "matrix" ? read_matrix(key, value, target) : read_platform_args(value, target);
  }

  Result<void>
  read_matrix(const YAML::Node& key, const YAML::Node& value, TargetSpec& target)
  {
    target.matrix_where = m_nodes.where(key);
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(value, "matrix"));
    for (const auto& [axis, values] : items) {
      if (!variable_name(axis.Scalar())) {
        return m_nodes.error(axis,
                             fmt::format("invalid matrix variable '{}' (letters, digits and '_')", axis.Scalar()));
      }
      PMA_TRY_ASSIGN(auto texts, m_nodes.list(values, fmt::format("matrix {}", axis.Scalar())));
      if (texts.empty()) {
        return m_nodes.error(axis, fmt::format("matrix {} has no values", axis.Scalar()));
      }
      target.matrix.push_back({axis.Scalar(), std::move(texts)});
    }
    if (target.matrix.empty()) {
      return m_nodes.error(key, "matrix has no variables");
    }
    return {};
  }

  Result<void>
  read_platform_args(const YAML::Node& value, TargetSpec& target)
  {
    PMA_TRY_ASSIGN(const auto items, m_nodes.items(value, "platform-args"));
    for (const auto& [platform, settings] : items) {
      PlatformArgs entry{{platform.Scalar(), m_nodes.where(platform), m_nodes.base()}, {}, {}, {}};
      const std::string what = fmt::format("platform-args {}", platform.Scalar());
      PMA_TRY_ASSIGN(const auto fields, m_nodes.items(settings, what));
      for (const auto& [key, setting] : fields) {
        PMA_TRY_ASSIGN(const auto name, m_nodes.key(key, k_platform_keys, what));
        if (name == "args") {
          PMA_TRY_ASSIGN(entry.args, m_nodes.entries(setting, name));
          continue;
        }
        PMA_TRY_ASSIGN(auto text, m_nodes.scalar(setting, name));
        (name == "target" ? entry.target : entry.file) = {std::move(text)};
      }
      target.platform_args.push_back(std::move(entry));
    }
    return {};
  }

  Result<void>
  check_name(const YAML::Node& key, const char* what) const
  {
    if (!valid_name(key.Scalar())) {
      return m_nodes.error(key, fmt::format("invalid {} name '{}' (letters, digits, '_' and '-')", what, key.Scalar()));
    }
    return {};
  }

  const Nodes& m_nodes;
  Definition m_out;
};

} // namespace

Result<std::string>
placed_read(const std::filesystem::path& path)
{
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return util::fail(util::ErrorClass::usage,
                      fmt::format("release file {}: {}", path.string(),
                                  std::filesystem::exists(path, ec) ? "not a file" : "no such file"));
  }
  auto text = util::read_file(path);
  if (!text) {
    return util::fail(util::ErrorClass::usage, text.error().message);
  }
  return text;
}

Result<Definition>
read_bake_file(const YAML::Node& root, const Nodes& nodes)
{
  return Reader(nodes).read(root);
}

Result<Definition>
read_release_file(const std::filesystem::path& path, std::optional<std::filesystem::path>& project_dir)
{
  PMA_TRY_ASSIGN(const auto text, placed_read(path));
  PMA_TRY_ASSIGN(const auto root, load_yaml(text, path));
  const std::filesystem::path directory = path.parent_path().empty() ? "." : path.parent_path();
  try {
    Result<Definition> definition = util::fail(util::ErrorClass::internal, "");
    if (root.IsMap() && root["services"]) {
      if (!project_dir) {
        project_dir = directory; // compose: the first compose file's directory
      }
      definition = read_compose_file(root, Nodes(path, *project_dir));
    } else if (!root.IsMap() && !root.IsNull()) {
      return error_at(Nodes(path, {}).where(root), "a release file is a map with targets: (or a compose file, "
                                                   "with services:)");
    } else {
      definition = read_bake_file(root, Nodes(path, directory));
    }
    if (definition) {
      definition->files = {path.string()};
    }
    return definition;
  } catch (const YAML::Exception& e) {
    return error_at(Nodes(path, {}).where(e.mark), e.msg);
  }
}

} // namespace pma::bake::detail
