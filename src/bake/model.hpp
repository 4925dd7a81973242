#pragma once

// Private to src/bake: a release file as read (bake_file.cpp, compose_file.cpp),
// before the files are merged, matrices expanded, variables interpolated and
// --set applied (definition.cpp), and the targets resolved into
// job::ReleaseTarget (resolve.cpp). Every value keeps where it was written,
// for errors that name FILE:LINE:COL.
#include <pma/config/config_file.hpp>
#include <pma/util/error.hpp>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace pma::bake::detail {

using config::Location;

// "FILE:LINE:COL", or the file alone for a place without a line (--set).
std::string where(const Location& location);

// A usage error at `location`: "FILE:LINE:COL: message".
util::Unexpected error_at(const Location& location, const std::string& message, const std::string& hint = {});

// `result`'s error, if any, placed at `location`.
template <typename T>
util::Result<T>
placed(const Location& location, util::Result<T> result)
{
  if (!result) {
    return error_at(location, result.error().message, result.error().hint);
  }
  return result;
}

// A scalar as a file wrote it, where, and the directory its relative paths
// resolve against (its file's; the first compose file's for compose files;
// the current one for --set).
struct Text {
  std::string value;
  Location where;
  std::filesystem::path base;
  bool final = false; // interpolated already (compose, --set): taken as it is
};

// One key of a map-valued field (args, labels, contexts). A list item "KEY"
// (or a map's KEY: ~) has no value: an argument then comes from the
// environment, a label is empty.
struct Entry {
  std::string key;
  Text text;
  bool has_value = true;
};
using Entries = std::vector<Entry>; // in file order, each key once

// Sets `entry`: a later value of a key replaces the earlier one in place.
void set_entry(Entries& entries, Entry entry);

// platform-args: what one platform builds differently.
struct PlatformArgs {
  Text platform;
  Entries args;
  std::vector<Text> target; // at most one
  std::vector<Text> file;   // at most one
};

// Every other key of a target by its name ("context", "platforms",
// "network", "no-cache", …): one value for a scalar, several for a list.
struct Field {
  std::string key;
  Location where; // of the key
  std::vector<Text> values;
};

// One axis of a matrix: its variable and values, as written.
struct Axis {
  std::string name;
  std::vector<Text> values;
};

struct TargetSpec {
  std::string name;
  Location where;             // of its name, in the last file that defines it
  std::filesystem::path base; // where a missing context points: that file's directory
  std::vector<Field> fields;  // in file order, each key once
  Entries args;
  Entries labels;
  Entries contexts;
  std::vector<PlatformArgs> platform_args;
  std::vector<Axis> matrix; // empty: none
  Location matrix_where;

  const Field* field(std::string_view key) const;
  Field* field(std::string_view key);
};

struct GroupSpec {
  std::string name;
  Location where;
  std::vector<Text> members; // targets and groups
};

struct Variable {
  std::string name;
  Text value; // its default
};

// One file, or all of them merged.
struct Definition {
  std::vector<std::string> files;
  std::vector<Variable> variables;
  std::vector<GroupSpec> groups;
  std::vector<TargetSpec> targets;
  std::vector<std::string> warnings;

  const TargetSpec* target(std::string_view name) const;
  const GroupSpec* group(std::string_view name) const;
};

// Target and group names: letters, digits, '_' and '-' (buildx's rule; '.'
// would be ambiguous in --set NAME.KEY=VALUE).
bool valid_name(std::string_view name);

} // namespace pma::bake::detail
