#pragma once

// Private to src/bake, for the two files that read YAML (bake_file.cpp,
// compose_file.cpp): yaml-cpp's nodes as Text, lists and entries, with the
// place of each value for errors.
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "interpolate.hpp"
#include "model.hpp"

namespace pma::bake::detail {

// How one file's nodes are read. With `how` (compose), every value is
// interpolated as it is read (keys never are; a list item NAME=VALUE is
// interpolated whole, as compose does).
class Nodes {
public:
  Nodes(std::filesystem::path file, std::filesystem::path base, const Interpolation* how = nullptr)
    : m_file(std::move(file))
    , m_base(std::move(base))
    , m_how(how)
  {
  }

  const std::filesystem::path&
  file() const
  {
    return m_file;
  }
  const std::filesystem::path&
  base() const
  {
    return m_base;
  }

  Location where(const YAML::Node& node) const;
  Location where(const YAML::Mark& mark) const;
  util::Unexpected error(const YAML::Node& node, const std::string& message, const std::string& hint = {}) const;

  // A scalar's value (a null one: ""); anything else is an error naming `what`.
  util::Result<Text> scalar(const YAML::Node& node, std::string_view what) const;

  // One value, or a list of them; a map KEY: VALUE gives "KEY<separator>VALUE".
  util::Result<std::vector<Text>> list(const YAML::Node& node, std::string_view what, char separator = '=') const;

  // A map KEY: VALUE, or a list of "KEY=VALUE" (or "KEY": no value).
  util::Result<Entries> entries(const YAML::Node& node, std::string_view what) const;

  // A map's items in file order, compose's merge keys (<<: *anchor) resolved:
  // the map's own keys win over merged ones, earlier merged maps over later.
  // A key given twice is an error.
  util::Result<std::vector<std::pair<YAML::Node, YAML::Node>>> items(const YAML::Node& map,
                                                                     std::string_view what) const;

  // A map key's name; "unknown key" with "did you mean" when not `known`.
  util::Result<std::string> key(const YAML::Node& node, const std::vector<std::string>& known,
                                std::string_view where_in) const;

private:
  std::filesystem::path m_file;
  std::filesystem::path m_base;
  const Interpolation* m_how;
};

// The document in `text`, or a parse error at its place.
util::Result<YAML::Node> load_yaml(const std::string& text, const std::filesystem::path& file);

// A file of our format (bake_file.cpp).
util::Result<Definition> read_bake_file(const YAML::Node& root, const Nodes& nodes);

// A compose file (compose_file.cpp), interpolated from the environment and
// the .env file of nodes.base(), the project directory (the first compose
// file's), which relative paths resolve against.
util::Result<Definition> read_compose_file(const YAML::Node& root, const Nodes& nodes);

} // namespace pma::bake::detail
