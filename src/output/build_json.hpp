#pragma once

// Private to src/output: a build's result as a JSON object, for the views
// that embed it (--metadata-file of build and of publish).
#include <pma/job/run.hpp>

#include <nlohmann/json.hpp>

namespace pma::output {

// --metadata-file's object for one list (secrets not yet hidden).
nlohmann::ordered_json outcome_json(const job::BuildOutcome& outcome);

} // namespace pma::output
