#pragma once

// Private to src/output: the --progress tty printer, and the lane text that
// every line-oriented printer starts a job's lines with.
#include <pma/job/progress.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace pma::output {

// "[linux/arm64@power9]", or "[app linux/arm64@power9]" for a release target.
std::string lane(const std::string& target, const oci::Platform& platform, const std::string& host);

// Redrawn in place: one lane per platform for `build`; for a release, one
// lane per host with the job it runs and one line per target. A failed job's
// last log lines are printed above the lanes.
std::unique_ptr<job::Progress> make_tty_progress(std::FILE* stream, bool color);

} // namespace pma::output
