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

// Whether the run compared inputs (incremental builds): the summary then
// has a column for what changed.
bool compares_inputs(const std::vector<job::PlatformResult>& platforms);

// One platform's row of --check: platform, keep or build, why.
std::vector<std::string> check_cells(const job::PlatformResult& result);

// A fingerprint as JSON (metadata, inspect).
nlohmann::ordered_json inputs_json(const job::Fingerprint& inputs);

// --metadata-file's object for one build (not yet redacted).
nlohmann::ordered_json outcome_json(const job::BuildOutcome& outcome);

} // namespace pma::output
