#pragma once

#include <pma/job/release.hpp>
#include <pma/util/error.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

// The release files of `podman-multiarch bake` (podman-multiarch-bake.yaml(5)):
// our own format (podman-multiarch.bake.yaml) and compose files as they are,
// read, merged (later files override earlier ones key by key, as `docker
// buildx bake` merges), matrices expanded, variables interpolated, --set
// applied, and the targets the command line names (with the targets they
// build FROM) resolved into a job::Release, each dependency before its
// dependents. Every problem is a usage error naming FILE:LINE:COL.
namespace pma::bake {

// The files looked for in the current directory without -f, in this order;
// the first that exists is read.
const std::vector<std::string>& default_files();

struct LoadRequest {
  std::vector<std::string> files;     // -f, in order; empty: the first of default_files() in `directory`
  std::vector<std::string> names;     // TARGET|GROUP operands; empty: the group (or target) default
  std::vector<std::string> overrides; // --set TARGET.KEY=VALUE, applied after the files
  job::BuildOptions base;             // the run-wide fields, from the command line
  bool no_cache = false;              // --no-cache: for every target
  std::optional<std::string> pull;    // --pull POLICY: for every target
  std::vector<std::string> rebuild;   // --rebuild: targets built even if unchanged ("*": all)
  std::filesystem::path directory = ".";
};

struct Group {
  std::string name;
  std::vector<std::string> targets; // targets and groups, as written (matrix targets by their names)
};

struct LoadedRelease {
  job::Release release;
  std::vector<Group> groups;         // those the selection went through, in file order
  std::vector<std::string> files;    // read, in order
  std::vector<std::string> warnings; // compose: unset variables, keys ignored
};

util::Result<LoadedRelease> load_release(const LoadRequest& request);

// The targets and groups the files define (for completion); empty when they
// cannot be read.
std::vector<std::string> defined_names(const std::vector<std::string>& files, const std::filesystem::path& directory);

} // namespace pma::bake
