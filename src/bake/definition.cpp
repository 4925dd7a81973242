// The files merged into one definition, as `docker buildx bake` merges them
// (its Target.Merge), and matrices expanded with every value interpolated
// (release_files.hpp, steps 2 and 3).
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "interpolate.hpp"
#include "keys.hpp"
#include "release_files.hpp"

namespace pma::bake::detail {

using util::Result;

namespace {

// The id of a secret as written ("id=npm,src=…" → "npm").
std::string
secret_id(const std::string& spec)
{
  for (const auto& part : util::split(spec, ',')) {
    if (part.starts_with("id=")) {
      return part.substr(3);
    }
  }
  return spec;
}

void
merge_field(TargetSpec& into, Field later)
{
  Field* field = into.field(later.key);
  if (field == nullptr) {
    into.fields.push_back(std::move(later));
    return;
  }
  const Key* key = find_key(later.key);
  if (key == nullptr || key->merge == Merge::replace) {
    *field = std::move(later);
    return;
  }
  // Adding up: a secret of the same id, or the same value, is replaced.
  for (auto& value : later.values) {
    const bool secret = later.key == "secrets";
    std::erase_if(field->values, [&](const Text& earlier) {
      return secret ? secret_id(earlier.value) == secret_id(value.value) : earlier.value == value.value;
    });
    field->values.push_back(std::move(value));
  }
}

void
merge_target(TargetSpec& into, TargetSpec later)
{
  into.where = later.where;
  into.base = later.base;
  for (auto& field : later.fields) {
    merge_field(into, std::move(field));
  }
  for (const auto& entries : {std::pair{&into.args, &later.args}, std::pair{&into.labels, &later.labels},
                              std::pair{&into.contexts, &later.contexts}}) {
    for (auto& entry : *entries.second) {
      set_entry(*entries.first, std::move(entry));
    }
  }
  for (auto& platform : later.platform_args) {
    const auto it = std::find_if(into.platform_args.begin(), into.platform_args.end(),
                                 [&](const PlatformArgs& p) { return p.platform.value == platform.platform.value; });
    if (it == into.platform_args.end()) {
      into.platform_args.push_back(std::move(platform));
      continue;
    }
    for (auto& entry : platform.args) {
      set_entry(it->args, std::move(entry));
    }
    if (!platform.target.empty()) {
      it->target = std::move(platform.target);
    }
    if (!platform.file.empty()) {
      it->file = std::move(platform.file);
    }
  }
  if (!later.matrix.empty()) {
    into.matrix = std::move(later.matrix);
    into.matrix_where = later.matrix_where;
  }
}

Result<void>
interpolate_text(Text& text, const Interpolation& how)
{
  if (!text.final) {
    PMA_TRY_ASSIGN(text.value, interpolate(text, how));
    text.final = true;
  }
  return {};
}

// Every value of `target` (keys are names, never interpolated).
Result<void>
interpolate_target(TargetSpec& target, const Interpolation& how)
{
  for (auto& field : target.fields) {
    for (auto& value : field.values) {
      PMA_TRY(interpolate_text(value, how));
    }
  }
  for (auto* entries : {&target.args, &target.labels, &target.contexts}) {
    for (auto& entry : *entries) {
      PMA_TRY(interpolate_text(entry.text, how));
    }
  }
  for (auto& platform : target.platform_args) {
    for (auto& entry : platform.args) {
      PMA_TRY(interpolate_text(entry.text, how));
    }
    for (auto* texts : {&platform.target, &platform.file}) {
      for (auto& text : *texts) {
        PMA_TRY(interpolate_text(text, how));
      }
    }
  }
  return {};
}

// A matrix value in a target name: what buildx's sanitize() keeps, else '_'.
std::string
name_part(const std::string& value)
{
  std::string out = value;
  std::replace_if(
      out.begin(), out.end(),
      [](const char c) { return std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '_' && c != '-'; }, '_');
  return out;
}

// Every combination of the axes' values, the first axis varying slowest.
std::vector<std::vector<const Text*>>
combinations(const std::vector<Axis>& axes)
{
  std::vector<std::vector<const Text*>> out = {{}};
  for (const auto& axis : axes) {
    std::vector<std::vector<const Text*>> next;
    for (const auto& prefix : out) {
      for (const auto& value : axis.values) {
        next.push_back(prefix);
        next.back().push_back(&value);
      }
    }
    out = std::move(next);
  }
  return out;
}

Result<void>
expand_matrix(TargetSpec target, const Variables& variables, Definition& out)
{
  std::vector<Axis> axes = target.matrix;
  for (auto& axis : axes) {
    for (auto& value : axis.values) {
      PMA_TRY(interpolate_text(value, variables.scope({})));
    }
  }
  GroupSpec group{target.name, target.matrix_where, {}};
  target.matrix.clear();
  for (const auto& combination : combinations(axes)) {
    TargetSpec copy = target;
    std::map<std::string, std::string> values;
    for (size_t i = 0; i < axes.size(); ++i) {
      values[axes[i].name] = combination[i]->value;
      copy.name += "-" + name_part(combination[i]->value);
    }
    PMA_TRY(interpolate_target(copy, variables.scope(values)));
    group.members.push_back({copy.name, target.matrix_where, {}, true});
    out.targets.push_back(std::move(copy));
  }
  out.groups.push_back(std::move(group));
  return {};
}

} // namespace

Definition
merged(std::vector<Definition> files)
{
  Definition out;
  for (auto& file : files) {
    out.files.insert(out.files.end(), file.files.begin(), file.files.end());
    out.warnings.insert(out.warnings.end(), file.warnings.begin(), file.warnings.end());
    for (auto& variable : file.variables) {
      const auto it = std::find_if(out.variables.begin(), out.variables.end(),
                                   [&](const Variable& v) { return v.name == variable.name; });
      if (it != out.variables.end()) {
        *it = std::move(variable);
      } else {
        out.variables.push_back(std::move(variable));
      }
    }
    for (auto& group : file.groups) {
      const auto it =
          std::find_if(out.groups.begin(), out.groups.end(), [&](const GroupSpec& g) { return g.name == group.name; });
      if (it == out.groups.end()) {
        out.groups.push_back(std::move(group));
        continue;
      }
      for (auto& member : group.members) {
        if (std::none_of(it->members.begin(), it->members.end(),
                         [&](const Text& m) { return m.value == member.value; })) {
          it->members.push_back(std::move(member));
        }
      }
    }
    for (auto& target : file.targets) {
      const auto it = std::find_if(out.targets.begin(), out.targets.end(),
                                   [&](const TargetSpec& t) { return t.name == target.name; });
      if (it != out.targets.end()) {
        merge_target(*it, std::move(target));
      } else {
        out.targets.push_back(std::move(target));
      }
    }
  }
  return out;
}

Result<Definition>
expanded(Definition definition)
{
  const Variables variables(definition.variables);
  Definition out;
  out.files = std::move(definition.files);
  out.variables = std::move(definition.variables);
  out.warnings = std::move(definition.warnings);
  out.groups = std::move(definition.groups);
  for (auto& group : out.groups) {
    for (auto& member : group.members) {
      PMA_TRY(interpolate_text(member, variables.scope({})));
    }
  }
  for (auto& target : definition.targets) {
    if (target.matrix.empty()) {
      PMA_TRY(interpolate_target(target, variables.scope({})));
      out.targets.push_back(std::move(target));
      continue;
    }
    if (const auto* group = out.group(target.name); group != nullptr) {
      return error_at(target.matrix_where, fmt::format("matrix target {} makes a group of its name, which {} "
                                                       "defines already",
                                                       target.name, where(group->where)));
    }
    PMA_TRY(expand_matrix(std::move(target), variables, out));
  }
  // A name given twice: a matrix made a target another one defines.
  for (size_t i = 0; i < out.targets.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (out.targets[i].name != out.targets[j].name) {
        continue;
      }
      const bool later = out.targets[i].matrix_where.line > 0;
      const TargetSpec& made = later ? out.targets[i] : out.targets[j];
      const TargetSpec& other = later ? out.targets[j] : out.targets[i];
      return error_at(made.matrix_where, fmt::format("the matrix makes target {}, which {} defines already", made.name,
                                                     where(other.where)));
    }
  }
  return out;
}

} // namespace pma::bake::detail
