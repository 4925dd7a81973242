// --set TARGET.KEY=VALUE, as `docker buildx bake --set` (its newOverrides and
// AddOverrides): TARGET a name, a group or a glob ("*" every target); the
// first --set of a list key replaces the file's values, later ones (and
// KEY+=VALUE) add to them; args.NAME, labels.NAME and contexts.NAME set one
// entry; platforms takes a comma list (release_files.hpp, step 4).
#include <pma/util/strings.hpp>

#include <fmt/format.h>
#include <fnmatch.h>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

#include "keys.hpp"
#include "release_files.hpp"

namespace pma::bake::detail {

using util::Result;

namespace {

bool
is_glob(const std::string& name)
{
  return name.find_first_of("*?[") != std::string::npos;
}

void
members_of(const Definition& definition, const std::string& name, std::vector<std::string>& out,
           std::vector<std::string>& seen)
{
  if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
    return; // a group met again (a cycle is reported by the selection)
  }
  seen.push_back(name);
  if (const GroupSpec* group = definition.group(name); group != nullptr) {
    for (const auto& member : group->members) {
      members_of(definition, member.value, out, seen);
    }
  } else if (definition.target(name) != nullptr && std::find(out.begin(), out.end(), name) == out.end()) {
    out.push_back(name);
  }
}

// The names buildx accepts for ours.
std::string
our_key(const std::string& key)
{
  return key == "platform" ? "platforms" : key == "dockerfile" ? "file" : key;
}

struct Override {
  std::string text;
  std::string pattern;
  std::string key;
  std::string name; // of args.NAME, labels.NAME, contexts.NAME
  std::optional<std::string> value;
  bool add = false; // KEY+=VALUE
};

Result<Override>
parse_override(const std::string& text)
{
  Override out{text, {}, {}, {}, {}, false};
  const size_t eq = text.find('=');
  std::string left = text.substr(0, eq);
  if (eq != std::string::npos) {
    out.value = text.substr(eq + 1);
  }
  if (left.ends_with('+')) {
    out.add = true;
    left.pop_back();
  }
  const size_t dot = left.find('.');
  if (dot == 0 || dot == std::string::npos || dot + 1 == left.size()) {
    return util::fail(util::ErrorClass::usage, fmt::format("--set '{}': expected TARGET.KEY=VALUE", text));
  }
  out.pattern = left.substr(0, dot);
  const std::string rest = left.substr(dot + 1);
  const size_t second = rest.find('.');
  out.key = our_key(rest.substr(0, second));
  if (second != std::string::npos) {
    out.name = rest.substr(second + 1);
  }
  const Key* key = find_key(out.key);
  if (key == nullptr) {
    return util::fail(util::ErrorClass::usage,
                      fmt::format("--set '{}': unknown key '{}'{}", text, out.key, suggestion(out.key)));
  }
  if (key->shape == Shape::nested) {
    return util::fail(util::ErrorClass::usage,
                      fmt::format("--set '{}': {} cannot be set on the command line", text, out.key));
  }
  const bool entries = key->shape == Shape::entries;
  if (entries == out.name.empty()) {
    return util::fail(util::ErrorClass::usage,
                      entries ? fmt::format("--set '{}': expected {}.NAME=VALUE", text, out.key)
                              : fmt::format("--set '{}': {} takes no name after it", text, out.key));
  }
  if (!out.value && out.key != "args") {
    return util::fail(util::ErrorClass::usage, fmt::format("--set '{}': expected TARGET.KEY=VALUE", text));
  }
  if (out.add && key->shape != Shape::list) {
    return util::fail(util::ErrorClass::usage, fmt::format("--set '{}': += adds to lists only", text));
  }
  return out;
}

} // namespace

std::vector<std::string>
targets_named(const Definition& definition, const std::string& name)
{
  std::vector<std::string> out;
  std::vector<std::string> seen;
  if (!is_glob(name)) {
    members_of(definition, name, out, seen);
    return out;
  }
  for (const auto& group : definition.groups) {
    if (::fnmatch(name.c_str(), group.name.c_str(), 0) == 0) {
      members_of(definition, group.name, out, seen);
    }
  }
  for (const auto& target : definition.targets) {
    if (::fnmatch(name.c_str(), target.name.c_str(), 0) == 0) {
      members_of(definition, target.name, out, seen);
    }
  }
  return out;
}

Result<void>
apply_overrides(Definition& definition, const std::vector<std::string>& overrides)
{
  std::set<std::pair<std::string, std::string>> replaced; // (target, key) a --set replaced already
  for (const auto& text : overrides) {
    PMA_TRY_ASSIGN(const auto item, parse_override(text));
    const auto names = targets_named(definition, item.pattern);
    if (names.empty()) {
      std::vector<std::string> candidates; // groups first: a matrix's group before its targets
      for (const auto& group : definition.groups) {
        candidates.push_back(group.name);
      }
      for (const auto& target : definition.targets) {
        candidates.push_back(target.name);
      }
      return util::fail(util::ErrorClass::usage,
                        fmt::format("--set '{}': no target or group '{}'{}", text, item.pattern,
                                    util::did_you_mean(item.pattern, candidates)));
    }
    std::string value;
    if (item.value) {
      value = *item.value;
    } else if (const char* from_env = std::getenv(item.name.c_str()); from_env != nullptr) {
      value = from_env; // args.NAME alone: from the environment, as buildx does
    } else {
      continue;
    }
    const Location at{fmt::format("--set '{}'", text), 0, 0};
    const Text given{value, at, {}, true};
    const Key& key = *find_key(item.key);
    for (const auto& name : names) {
      TargetSpec& target = *std::find_if(definition.targets.begin(), definition.targets.end(),
                                         [&](const TargetSpec& t) { return t.name == name; });
      if (key.shape == Shape::entries) {
        auto& entries = item.key == "args" ? target.args : item.key == "labels" ? target.labels : target.contexts;
        set_entry(entries, {item.name, given, true});
        continue;
      }
      std::vector<Text> values = {given};
      if (item.key == "platforms") {
        values.clear();
        for (const auto& part : util::split(value, ',')) {
          values.push_back({std::string(util::trim(part)), at, {}, true});
        }
      }
      Field* field = target.field(item.key);
      const bool first = replaced.insert({name, item.key}).second;
      if (field == nullptr) {
        target.fields.push_back({item.key, at, std::move(values)});
      } else if (key.shape == Shape::scalar || (first && !item.add)) {
        *field = {item.key, at, std::move(values)};
      } else {
        field->values.insert(field->values.end(), values.begin(), values.end());
      }
    }
  }
  return {};
}

} // namespace pma::bake::detail
