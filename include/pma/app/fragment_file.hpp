#pragma once

#include <pma/job/fragment.hpp>
#include <pma/job/progress.hpp>
#include <pma/util/error.hpp>

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

// Fragment files (podman-multiarch-build(1), FRAGMENTS): JSON, versioned by
// their "podman-multiarch-fragment" key. `build --fragment` writes them,
// `publish` reads them.
namespace pma::app {

// Fragment files are small; a larger file is not one.
inline constexpr size_t k_max_fragment_size = size_t{4} << 20;

// The file's text for `fragment`.
std::string fragment_json(const job::Fragment& fragment);

// The fragment `text` holds. Errors are of class usage and name `source` and
// the field at fault ("a.json: targets[0].images[1].digest: …").
util::Result<job::Fragment> parse_fragment(std::string_view text, const std::string& source);

// parse_fragment() of the file at `path`.
util::Result<job::Fragment> read_fragment(const std::filesystem::path& path);

// Writes `fragment` to `path` whole or not at all (a temporary file renamed):
// a reader never sees half a fragment.
util::Result<void> write_fragment(const std::filesystem::path& path, const job::Fragment& fragment);

// A fragment file that cannot be written should not cost a build: its
// directory must exist before anything is built (class usage otherwise).
util::Result<void> check_fragment_path(const std::filesystem::path& path);

// What a --fragment run pushed (nothing: no file), completed with this tool's
// version, the time and this runner, written to `path` (write_fragment()),
// which `progress` is told.
util::Result<void> write_run_fragment(const std::filesystem::path& path, const std::optional<job::Fragment>& pushed,
                                      job::Progress& progress);

// This machine's name, and the CI variables that identify its job (a fixed
// list of GITHUB_* and CI_* names: never a token).
job::Runner current_runner();

// Now, as RFC 3339 in UTC ("2026-11-30T16:44:42Z").
std::string utc_now();

} // namespace pma::app
