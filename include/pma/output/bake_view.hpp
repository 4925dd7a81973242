#pragma once

#include <pma/job/release.hpp>

#include <string>

// What `bake` prints of a release run.
namespace pma::output {

// The end-of-run table, one row per (target, platform): target, platform,
// host, digest, duration, result; then each target's index digest and tags.
std::string release_summary_table(const job::ReleaseOutcome& outcome, bool color);

// --dry-run: every job of the plan in queue order: target, platform, host,
// why, the jobs it waits for.
std::string release_plan_table(const job::ReleaseOutcome& outcome);

// --check: per target and platform, keep (unchanged) or build, and why.
std::string release_check_table(const job::ReleaseOutcome& outcome);

// --metadata-file: per target what `build --metadata-file` writes, and the
// release's exit code.
std::string release_metadata_json(const job::ReleaseOutcome& outcome);

} // namespace pma::output
