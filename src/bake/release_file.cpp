// The release files into a job::Release (include/pma/bake/release_file.hpp):
// the steps of release_files.hpp, in order.
#include <pma/bake/release_file.hpp>

#include <fmt/format.h>

#include "release_files.hpp"

namespace pma::bake {

using util::Result;

namespace {

// -f, else the first default file that exists.
Result<std::vector<std::filesystem::path>>
files_of(const LoadRequest& request)
{
  std::vector<std::filesystem::path> out;
  for (const auto& file : request.files) {
    out.emplace_back(file);
  }
  if (!out.empty()) {
    return out;
  }
  for (const auto& name : default_files()) {
    std::error_code ec;
    const auto candidate = request.directory == "." ? std::filesystem::path(name) : request.directory / name;
    if (std::filesystem::is_regular_file(candidate, ec)) {
      return std::vector{candidate};
    }
  }
  return util::Unexpected(util::Error(
      util::ErrorClass::usage, fmt::format("no release file here (looked for {})", fmt::join(default_files(), ", ")),
      "give one with -f FILE"));
}

Result<detail::Definition>
definition_of(const std::vector<std::filesystem::path>& files, const std::vector<std::string>& overrides)
{
  std::vector<detail::Definition> read;
  std::optional<std::filesystem::path> project_dir;
  for (const auto& file : files) {
    PMA_TRY_ASSIGN(auto definition, detail::read_release_file(file, project_dir));
    read.push_back(std::move(definition));
  }
  PMA_TRY_ASSIGN(auto definition, detail::expanded(detail::merged(std::move(read))));
  PMA_TRY(detail::apply_overrides(definition, overrides));
  return definition;
}

} // namespace

const std::vector<std::string>&
default_files()
{
  static const std::vector<std::string> names = {"podman-multiarch.bake.yaml", "compose.yaml", "compose.yml",
                                                 "docker-compose.yml", "docker-compose.yaml"};
  return names;
}

Result<LoadedRelease>
load_release(const LoadRequest& request)
{
  PMA_TRY_ASSIGN(const auto files, files_of(request));
  PMA_TRY_ASSIGN(const auto definition, definition_of(files, request.overrides));
  LoadedRelease out;
  out.files = definition.files;
  out.warnings = definition.warnings;
  out.release.options = request.base;
  PMA_TRY_ASSIGN(const auto specs, detail::selection(definition, request.names, out.groups));
  for (const auto* spec : specs) {
    PMA_TRY_ASSIGN(auto target, detail::resolved(*spec, request));
    out.release.targets.push_back(std::move(target));
  }
  PMA_TRY(detail::check_platforms(specs, out.release.targets));
  for (const auto& name : request.rebuild) {
    bool found = false;
    for (auto& target : out.release.targets) {
      if (name == "*" || target.name == name) {
        target.options.rebuild = found = true;
      }
    }
    if (!found) {
      return util::fail(util::ErrorClass::usage,
                        fmt::format("--rebuild names {}, which is not a target of this release", name));
    }
  }
  return out;
}

std::vector<std::string>
defined_names(const std::vector<std::string>& files, const std::filesystem::path& directory)
{
  LoadRequest request;
  request.files = files;
  request.directory = directory;
  auto paths = files_of(request);
  if (!paths) {
    return {};
  }
  auto definition = definition_of(*paths, {});
  if (!definition) {
    return {};
  }
  std::vector<std::string> out;
  for (const auto& group : definition->groups) {
    out.push_back(group.name);
  }
  for (const auto& target : definition->targets) {
    out.push_back(target.name);
  }
  return out;
}

} // namespace pma::bake
