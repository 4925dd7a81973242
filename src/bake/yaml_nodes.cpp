// yaml-cpp's nodes as release-file values (yaml_nodes.hpp). YAML boundary:
// its exceptions become usage errors at their place here.
#include "yaml_nodes.hpp"

#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

namespace pma::bake::detail {

using util::Result;

namespace {

bool
is_merge_key(const YAML::Node& key)
{
  return key.IsScalar() && key.Scalar() == "<<" && key.Tag() != "!";
}

} // namespace

Location
Nodes::where(const YAML::Node& node) const
{
  return where(node.Mark());
}

Location
Nodes::where(const YAML::Mark& mark) const
{
  return {m_file.string(), std::max(mark.line, 0) + 1, std::max(mark.column, 0) + 1};
}

util::Unexpected
Nodes::error(const YAML::Node& node, const std::string& message, const std::string& hint) const
{
  return error_at(where(node), message, hint);
}

Result<Text>
Nodes::scalar(const YAML::Node& node, const std::string_view what) const
{
  if (node.IsNull()) {
    return Text{"", where(node), m_base};
  }
  if (!node.IsScalar()) {
    return error(node, fmt::format("{} must be a single value, not a {}", what, node.IsMap() ? "map" : "list"));
  }
  Text text{node.Scalar(), where(node), m_base};
  if (m_how != nullptr) {
    PMA_TRY_ASSIGN(text.value, interpolate(text, *m_how));
    text.final = true;
  }
  return text;
}

Result<std::vector<Text>>
Nodes::list(const YAML::Node& node, const std::string_view what, const char separator) const
{
  std::vector<Text> out;
  if (node.IsNull()) {
    return out;
  }
  if (node.IsScalar()) {
    PMA_TRY_ASSIGN(auto text, scalar(node, what));
    out.push_back(std::move(text));
    return out;
  }
  if (node.IsMap()) {
    PMA_TRY_ASSIGN(const auto pairs, items(node, what));
    out.reserve(pairs.size());
    for (const auto& [key, value] : pairs) {
      PMA_TRY_ASSIGN(const auto text, scalar(value, fmt::format("{}: {}", what, key.Scalar())));
      out.push_back({fmt::format("{}{}{}", key.Scalar(), separator, text.value), where(key), m_base, text.final});
    }
    return out;
  }
  for (const auto& item : node) {
    PMA_TRY_ASSIGN(auto text, scalar(item, fmt::format("an item of {}", what)));
    out.push_back(std::move(text));
  }
  return out;
}

Result<Entries>
Nodes::entries(const YAML::Node& node, const std::string_view what) const
{
  Entries out;
  const auto add = [&](Entry entry, const YAML::Node& at) -> Result<void> {
    if (entry.key.empty()) {
      return error(at, fmt::format("{}: an empty name", what));
    }
    if (std::any_of(out.begin(), out.end(), [&](const Entry& e) { return e.key == entry.key; })) {
      return error(at, fmt::format("{}: {} is given twice", what, entry.key));
    }
    out.push_back(std::move(entry));
    return {};
  };
  if (node.IsNull()) {
    return out;
  }
  if (node.IsMap()) {
    PMA_TRY_ASSIGN(const auto pairs, items(node, what));
    for (const auto& [key, value] : pairs) {
      PMA_TRY_ASSIGN(auto text, scalar(value, fmt::format("{}: {}", what, key.Scalar())));
      PMA_TRY(add({key.Scalar(), std::move(text), !value.IsNull()}, key));
    }
    return out;
  }
  if (!node.IsSequence()) {
    return error(node, fmt::format("{} must be a map (NAME: VALUE) or a list of NAME=VALUE", what));
  }
  for (const auto& item : node) {
    PMA_TRY_ASSIGN(auto text, scalar(item, fmt::format("an item of {}", what)));
    const size_t eq = text.value.find('=');
    Entry entry{text.value.substr(0, eq), text, eq != std::string::npos};
    entry.text.value = eq == std::string::npos ? std::string() : text.value.substr(eq + 1);
    PMA_TRY(add(std::move(entry), item));
  }
  return out;
}

Result<std::vector<std::pair<YAML::Node, YAML::Node>>>
Nodes::items(const YAML::Node& map, const std::string_view what) const
{
  if (!map.IsMap()) {
    return error(map, fmt::format("{} must be a map", what));
  }
  std::vector<std::pair<YAML::Node, YAML::Node>> out;
  std::vector<YAML::Node> merged;
  const auto has = [&out](const std::string& key) {
    return std::any_of(out.begin(), out.end(), [&](const auto& item) { return item.first.Scalar() == key; });
  };
  for (const auto& item : map) {
    if (is_merge_key(item.first)) {
      if (item.second.IsSequence()) {
        for (const auto& source : item.second) {
          merged.push_back(source);
        }
      } else {
        merged.push_back(item.second);
      }
      continue;
    }
    if (!item.first.IsScalar()) {
      return error(item.first, fmt::format("a key of {} must be a name", what));
    }
    if (has(item.first.Scalar())) {
      return error(item.first, fmt::format("{} is given twice in {}", item.first.Scalar(), what));
    }
    out.emplace_back(item.first, item.second);
  }
  for (const auto& source : merged) {
    PMA_TRY_ASSIGN(const auto extra, items(source, "a merged map (<<)"));
    for (const auto& item : extra) {
      if (!has(item.first.Scalar())) {
        out.push_back(item);
      }
    }
  }
  return out;
}

Result<std::string>
Nodes::key(const YAML::Node& node, const std::vector<std::string>& known, const std::string_view where_in) const
{
  const std::string& name = node.Scalar();
  if (std::find(known.begin(), known.end(), name) == known.end()) {
    return error(node, fmt::format("unknown key '{}' in {}{}", name, where_in, util::did_you_mean(name, known)));
  }
  return name;
}

Result<YAML::Node>
load_yaml(const std::string& text, const std::filesystem::path& file)
{
  try {
    return YAML::Load(text);
  } catch (const YAML::Exception& e) {
    return error_at(Nodes(file, {}).where(e.mark), e.msg);
  }
}

} // namespace pma::bake::detail
