#pragma once

// Private to src/bake: the steps from the files to a job::Release, in the
// order release_file.cpp runs them.
#include <pma/bake/release_file.hpp>
#include <pma/job/release.hpp>
#include <pma/util/error.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "model.hpp"

namespace pma::bake::detail {

// 1. One file (bake_file.cpp): compose if it has services: at the top, else
// ours. The first compose file sets `project_dir`, which the paths of every
// compose file resolve against (compose's project directory).
util::Result<Definition> read_release_file(const std::filesystem::path& path,
                                           std::optional<std::filesystem::path>& project_dir);

// The file's text; a usage error naming it if it is not a readable file.
util::Result<std::string> placed_read(const std::filesystem::path& path);

// 2. The files merged (definition.cpp): a target defined in several files
// takes each key from the last file that sets it; args, labels, contexts
// and platform-args merge key by key; annotations, secrets, cache-from,
// ulimit and add-host add up; groups add their members; variables take the
// last default.
Definition merged(std::vector<Definition> files);

// 3. Matrices expanded into their targets (NAME-V1-V2, and a group NAME of
// them) and every value of our format interpolated (definition.cpp).
util::Result<Definition> expanded(Definition definition);

// 4. --set TARGET.KEY=VALUE (overrides.cpp).
util::Result<void> apply_overrides(Definition& definition, const std::vector<std::string>& overrides);

// The targets a name stands for: a target, a group (recursively) or a glob
// over both (overrides.cpp); empty if none.
std::vector<std::string> targets_named(const Definition& definition, const std::string& name);

// 5. The named targets, the targets they build FROM, each dependency first
// (graph.cpp); groups gone through into `groups`.
util::Result<std::vector<const TargetSpec*>>
selection(const Definition& definition, const std::vector<std::string>& names, std::vector<Group>& groups);

// The release targets a target's contexts name ("target:NAME"), in order.
std::vector<Entry> target_contexts(const TargetSpec& target);

// 6. A target into a job::ReleaseTarget (resolve.cpp), over `request.base`.
util::Result<job::ReleaseTarget> resolved(const TargetSpec& target, const LoadRequest& request);

// 7. Each dependency serves the platforms of its dependents (graph.cpp).
util::Result<void> check_platforms(const std::vector<const TargetSpec*>& specs,
                                   const std::vector<job::ReleaseTarget>& targets);

} // namespace pma::bake::detail
