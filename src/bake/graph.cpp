// Which targets a release builds, and in which order (release_files.hpp,
// steps 5 and 7): the named targets and groups, and every target they build
// FROM (contexts: {NAME: "target:OTHER"}), each dependency before its
// dependents, as bake pulls in what a target links to.
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>

#include "release_files.hpp"

namespace pma::bake::detail {

using util::Result;

namespace {

// Groups first: for "did you mean", a matrix's group before its targets.
std::vector<std::string>
all_names(const Definition& definition)
{
  std::vector<std::string> out;
  for (const auto& group : definition.groups) {
    out.push_back(group.name);
  }
  for (const auto& target : definition.targets) {
    out.push_back(target.name);
  }
  return out;
}

class Selection {
public:
  Selection(const Definition& definition, std::vector<Group>& groups)
    : m_definition(definition)
    , m_groups(groups)
  {
  }

  // The targets `name` stands for, the groups it goes through recorded.
  Result<void>
  name(const std::string& name, const Location& at, std::vector<std::string>& path)
  {
    if (const GroupSpec* group = m_definition.group(name); group != nullptr) {
      if (std::find(path.begin(), path.end(), name) != path.end()) {
        path.push_back(name);
        return error_at(group->where, fmt::format("groups include each other: {}", util::join(path, " → ")));
      }
      if (std::none_of(m_groups.begin(), m_groups.end(), [&](const Group& g) { return g.name == name; })) {
        Group shown{name, {}};
        for (const auto& member : group->members) {
          shown.targets.push_back(member.value);
        }
        m_groups.push_back(std::move(shown));
      }
      path.push_back(name);
      for (const auto& member : group->members) {
        PMA_TRY(this->name(member.value, member.where, path));
      }
      path.pop_back();
      return {};
    }
    if (m_definition.target(name) == nullptr) {
      const std::string message =
          fmt::format("no target or group '{}'{}", name, util::did_you_mean(name, all_names(m_definition)));
      return at.line > 0 ? error_at(at, message) : util::fail(util::ErrorClass::usage, message);
    }
    return visit(name, at);
  }

  std::vector<const TargetSpec*>
  ordered() &&
  {
    return std::move(m_order);
  }

private:
  // Depth first: a target after what it builds FROM.
  Result<void>
  visit(const std::string& name, const Location& at)
  {
    const TargetSpec* target = m_definition.target(name);
    if (std::find(m_order.begin(), m_order.end(), target) != m_order.end()) {
      return {};
    }
    if (const auto it = std::find(m_stack.begin(), m_stack.end(), name); it != m_stack.end()) {
      std::vector<std::string> cycle(it, m_stack.end());
      cycle.push_back(name);
      return error_at(at, fmt::format("targets build FROM each other in a cycle: {}", util::join(cycle, " → ")));
    }
    m_stack.push_back(name);
    for (const auto& entry : target_contexts(*target)) {
      const std::string dependency = entry.text.value.substr(7);
      if (m_definition.target(dependency) == nullptr) {
        std::vector<std::string> targets;
        for (const auto& candidate : m_definition.targets) {
          targets.push_back(candidate.name);
        }
        return error_at(entry.text.where, fmt::format("contexts: {}: no target '{}' in this release{}", entry.key,
                                                      dependency, util::did_you_mean(dependency, targets)));
      }
      PMA_TRY(visit(dependency, entry.text.where));
    }
    m_stack.pop_back();
    m_order.push_back(target);
    return {};
  }

  const Definition& m_definition;
  std::vector<Group>& m_groups;
  std::vector<std::string> m_stack;
  std::vector<const TargetSpec*> m_order;
};

} // namespace

std::vector<Entry>
target_contexts(const TargetSpec& target)
{
  std::vector<Entry> out;
  std::copy_if(target.contexts.begin(), target.contexts.end(), std::back_inserter(out),
               [](const Entry& entry) { return entry.text.value.starts_with("target:"); });
  return out;
}

Result<std::vector<const TargetSpec*>>
selection(const Definition& definition, const std::vector<std::string>& names, std::vector<Group>& groups)
{
  std::vector<std::string> wanted = names;
  if (wanted.empty()) {
    if (definition.group("default") == nullptr && definition.target("default") == nullptr) {
      std::vector<std::string> known = all_names(definition);
      return util::Unexpected(util::Error(
          util::ErrorClass::usage,
          known.empty() ? fmt::format("{} defines no targets", util::join(definition.files, ", "))
                        : fmt::format("no target named, and no group default: name one of {}", util::join(known, ", ")),
          "define groups: {default: [...]} for the targets built without names"));
    }
    wanted = {"default"};
  }
  Selection walk(definition, groups);
  for (const auto& name : wanted) {
    std::vector<std::string> path;
    const bool glob = name.find_first_of("*?[") != std::string::npos;
    if (!glob) {
      PMA_TRY(walk.name(name, {}, path));
      continue;
    }
    const auto matching = targets_named(definition, name);
    if (matching.empty()) {
      return util::fail(util::ErrorClass::usage, fmt::format("no target or group matches '{}'", name));
    }
    for (const auto& target : matching) {
      PMA_TRY(walk.name(target, {}, path));
    }
  }
  return std::move(walk).ordered();
}

Result<void>
check_platforms(const std::vector<const TargetSpec*>& specs, const std::vector<job::ReleaseTarget>& targets)
{
  const auto find = [&targets](const std::string& name) {
    return std::find_if(targets.begin(), targets.end(), [&](const job::ReleaseTarget& t) { return t.name == name; });
  };
  for (size_t i = 0; i < specs.size(); ++i) {
    const auto& platforms = targets[i].options.platforms;
    for (const auto& entry : target_contexts(*specs[i])) {
      const auto dependency = find(entry.text.value.substr(7));
      const auto& served = dependency->options.platforms;
      if (served.empty()) {
        continue; // what the hosts serve: the dependent asks for nothing more
      }
      if (platforms.empty()) {
        return error_at(entry.text.where,
                        fmt::format("{} builds FROM {}, which builds {} only, while {} builds every platform the "
                                    "hosts serve",
                                    specs[i]->name, dependency->name, util::join(oci::to_strings(served), ", "),
                                    specs[i]->name),
                        fmt::format("give {} the platforms of {}", specs[i]->name, dependency->name));
      }
      for (const auto& platform : platforms) {
        if (std::find(served.begin(), served.end(), platform) == served.end()) {
          return error_at(entry.text.where,
                          fmt::format("{} builds FROM {} for {}, which {} does not build (it builds {})",
                                      specs[i]->name, dependency->name, platform.to_string(), dependency->name,
                                      util::join(oci::to_strings(served), ", ")));
        }
      }
    }
  }
  return {};
}

} // namespace pma::bake::detail
