#pragma once

#include <pma/job/run.hpp>

#include <string>

namespace pma::output {

// The end-of-run table: platform, host, digest, duration, result.
std::string summary_table(const job::BuildOutcome& outcome, bool color);

// --metadata-file content.
std::string metadata_json(const job::BuildOutcome& outcome);

// --dry-run plan: table or JSON.
std::string plan_table(const job::BuildOutcome& outcome, const job::BuildOptions& options);

// --check: per platform, keep (unchanged) or build, and why.
std::string check_table(const job::BuildOutcome& outcome);
std::string plan_json(const job::BuildOutcome& outcome, const job::BuildOptions& options);

} // namespace pma::output
