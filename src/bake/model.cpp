// The release files' model and keys (model.hpp, keys.hpp).
#include "model.hpp"

#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "keys.hpp"

namespace pma::bake::detail {

namespace {

std::vector<Key>
make_keys()
{
  std::vector<Key> keys = {
      {"context", Shape::scalar},
      {"file", Shape::scalar},
      {"file-inline", Shape::scalar},
      {"platforms", Shape::list},
      {"tags", Shape::list},
      {"args", Shape::entries},
      {"labels", Shape::entries},
      {"annotations", Shape::list, Merge::append},
      {"contexts", Shape::entries},
      {"platform-args", Shape::nested},
      {"target", Shape::scalar},
      {"required", Shape::scalar},
      {"no-cache", Shape::scalar},
      {"pull", Shape::scalar},
      {"secrets", Shape::list, Merge::append},
      {"matrix", Shape::nested},
      {"ignorefile", Shape::scalar},
      {"layers", Shape::scalar},
      {"squash", Shape::scalar},
      {"squash-all", Shape::scalar},
      {"rm", Shape::scalar},
      {"force-rm", Shape::scalar},
      {"jobs", Shape::scalar},
      {"format", Shape::scalar},
      {"env", Shape::list},
      {"security-opt", Shape::list},
  };
  // The forwarded options by their long names; those buildx bake merges
  // across files add up here too.
  for (const auto& spec : libpod::build_option_specs()) {
    if (spec.syntax == libpod::Syntax::none) {
      continue;
    }
    const bool several = spec.syntax == libpod::Syntax::repeat || spec.syntax == libpod::Syntax::csv;
    const bool adds_up = spec.option == libpod::BuildOption::cache_from || spec.option == libpod::BuildOption::ulimit ||
                         spec.option == libpod::BuildOption::add_host;
    keys.push_back({std::string(spec.flag()), several ? Shape::list : Shape::scalar,
                    adds_up ? Merge::append : Merge::replace, spec.option == libpod::BuildOption::add_host ? ':' : '=',
                    &spec});
  }
  return keys;
}

const std::vector<Key>&
keys()
{
  static const std::vector<Key> table = make_keys();
  return table;
}

} // namespace

std::string
where(const Location& location)
{
  return location.line > 0 ? location.to_string() : location.file;
}

util::Unexpected
error_at(const Location& location, const std::string& message, const std::string& hint)
{
  return util::Unexpected(util::Error(util::ErrorClass::usage, fmt::format("{}: {}", where(location), message), hint));
}

void
set_entry(Entries& entries, Entry entry)
{
  const auto it = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return e.key == entry.key; });
  if (it != entries.end()) {
    *it = std::move(entry);
  } else {
    entries.push_back(std::move(entry));
  }
}

const Field*
TargetSpec::field(const std::string_view key) const
{
  const auto it = std::find_if(fields.begin(), fields.end(), [key](const Field& f) { return f.key == key; });
  return it != fields.end() ? &*it : nullptr;
}

Field*
TargetSpec::field(const std::string_view key)
{
  const auto it = std::find_if(fields.begin(), fields.end(), [key](const Field& f) { return f.key == key; });
  return it != fields.end() ? &*it : nullptr;
}

const TargetSpec*
Definition::target(const std::string_view name) const
{
  const auto it = std::find_if(targets.begin(), targets.end(), [name](const TargetSpec& t) { return t.name == name; });
  return it != targets.end() ? &*it : nullptr;
}

const GroupSpec*
Definition::group(const std::string_view name) const
{
  const auto it = std::find_if(groups.begin(), groups.end(), [name](const GroupSpec& g) { return g.name == name; });
  return it != groups.end() ? &*it : nullptr;
}

bool
valid_name(const std::string_view name)
{
  return !name.empty() && std::all_of(name.begin(), name.end(), [](const char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
  });
}

const Key*
find_key(const std::string_view name)
{
  const auto& table = keys();
  const auto it = std::find_if(table.begin(), table.end(), [name](const Key& key) { return key.name == name; });
  return it != table.end() ? &*it : nullptr;
}

const std::vector<std::string>&
key_names()
{
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& key : keys()) {
      out.push_back(key.name);
    }
    return out;
  }();
  return names;
}

std::string
suggestion(const std::string_view name)
{
  static const std::map<std::string, std::string, std::less<>> k_aliases = {{"dockerfile", "file"},
                                                                            {"containerfile", "file"},
                                                                            {"dockerfile-inline", "file-inline"},
                                                                            {"build-args", "args"},
                                                                            {"build-arg", "args"},
                                                                            {"platform", "platforms"},
                                                                            {"tag", "tags"},
                                                                            {"label", "labels"},
                                                                            {"annotation", "annotations"},
                                                                            {"secret", "secrets"},
                                                                            {"build-context", "contexts"},
                                                                            {"build-contexts", "contexts"},
                                                                            {"additional-contexts", "contexts"},
                                                                            {"extra-hosts", "add-host"},
                                                                            {"ulimits", "ulimit"},
                                                                            {"shm_size", "shm-size"},
                                                                            {"network-mode", "network"}};
  std::string dashed(name);
  std::replace(dashed.begin(), dashed.end(), '_', '-');
  for (const std::string& candidate : {std::string(name), dashed}) {
    if (const auto it = k_aliases.find(candidate); it != k_aliases.end()) {
      return fmt::format(", did you mean '{}'?", it->second);
    }
    if (candidate != name && find_key(candidate) != nullptr) {
      return fmt::format(", did you mean '{}'?", candidate);
    }
  }
  return util::did_you_mean(name, key_names());
}

} // namespace pma::bake::detail
