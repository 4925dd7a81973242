#pragma once

#include <pma/job/progress.hpp>
#include <pma/job/run.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace pma::output {

// --progress: plain (every line "[linux/arm64@power9] …"), json (one event
// object per line), quiet (warnings only), tty (phases, logs of failures).
std::unique_ptr<job::Progress> make_progress(const std::string& mode, std::FILE* stream, bool color);

// The end-of-run table: platform, host, digest, duration, result.
std::string summary_table(const job::BuildOutcome& outcome, bool color);

// --metadata-file content.
std::string metadata_json(const job::BuildOutcome& outcome);

// --dry-run plan: table or JSON.
std::string plan_table(const job::BuildOutcome& outcome, const job::BuildOptions& options);
std::string plan_json(const job::BuildOutcome& outcome, const job::BuildOptions& options);

} // namespace pma::output
