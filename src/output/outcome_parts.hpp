#pragma once

// Private to src/output: the pieces of a build's views (build_view.cpp) that
// the release's views (bake_view.cpp) show per target too.
#include <pma/job/run.hpp>

#include <nlohmann/json.hpp>

#include <chrono>
#include <string>
#include <vector>

namespace pma::output {

// "1.4s".
std::string seconds(std::chrono::milliseconds value);

// "sha256:2c42b3d48560…", or "-".
std::string short_digest(const std::string& digest);

// One platform's row of the summary: platform, host, digest, duration, result.
std::vector<std::string> summary_cells(const job::PlatformResult& result, bool color);

// --metadata-file's object for one build (not yet redacted).
nlohmann::ordered_json outcome_json(const job::BuildOutcome& outcome);

} // namespace pma::output
