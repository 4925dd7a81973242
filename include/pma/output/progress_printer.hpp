#pragma once

#include <pma/job/progress.hpp>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace pma::output {

// The --progress modes, in the order --help lists them. The table in
// progress_printer.cpp is their one list: --help, the command line's check and
// completion read it through this.
const std::vector<std::string>& progress_modes();

// `mode` as it applies to `stream`: auto becomes tty on a terminal whose TERM
// is not dumb, else plain.
std::string resolve_progress_mode(const std::string& mode, std::FILE* stream);

// A printer for `mode` on `stream`; it sees every text with the secrets
// already hidden.
std::unique_ptr<job::Progress> make_progress(const std::string& mode, std::FILE* stream, bool color);

// Inside GitHub Actions, `message` as its error annotation (shown on the run's
// page), a line; elsewhere "".
std::string ci_error_annotation(std::string_view message);

// Whether the end-of-run summary table follows a run shown in (resolved) `mode`.
bool progress_shows_summary(const std::string& mode);

} // namespace pma::output
