// build (include/pma/app/build.hpp).
#include <pma/app/build.hpp>
#include <pma/app/fragment_file.hpp>
#include <pma/app/validate.hpp>
#include <pma/version.hpp>

#include <fmt/format.h>

namespace pma::app {

using util::Result;

namespace {

// A fragment file that cannot be written should not cost a build: its
// directory must exist before anything is built.
Result<void>
check_fragment_file(const std::filesystem::path& path)
{
  std::error_code error;
  const auto directory = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  if (!std::filesystem::is_directory(directory, error) || std::filesystem::is_directory(path, error)) {
    return util::fail(
        util::ErrorClass::usage,
        fmt::format("--fragment {}: {}", path.string(),
                    std::filesystem::is_directory(path, error) ? "is a directory" : "its directory does not exist"));
  }
  return {};
}

} // namespace

Result<job::BuildOutcome>
build(const BuildRequest& request, job::Progress& progress)
{
  if (request.options.fragment) {
    PMA_TRY(check_fragment_file(request.fragment_file));
  }
  PMA_TRY_ASSIGN(const auto credentials, load_credentials(request.auth_options));
  PMA_TRY_ASSIGN(const auto selection, select_hosts(request.hosts));
  PMA_TRY(check_for_hosts(request.options, selection.hosts));
  auto outcome = job::run_build(request.options, selection.hosts, selection.connect, credentials, progress);
  if (outcome.fragment) {
    outcome.fragment->tool_version = k_version;
    outcome.fragment->created = utc_now();
    outcome.fragment->runner = current_runner();
    if (auto ok = write_fragment(request.fragment_file, *outcome.fragment); !ok) {
      outcome.exit_status = util::exit_status_for(ok.error().cls);
      outcome.error = std::move(ok).error();
    } else {
      progress.info(fmt::format("fragment written to {}", request.fragment_file));
    }
  }
  return outcome;
}

} // namespace pma::app
