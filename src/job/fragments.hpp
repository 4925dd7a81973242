#pragma once

// Private to src/job: the fragment a --fragment run records.
#include <pma/job/run.hpp>

#include "fleet.hpp"
#include "run_state.hpp"

namespace pma::job::detail {

// After the builds of a --fragment run: what was pushed, under the rules a
// list would be (all or nothing, --allow-partial, --require), since a fragment
// promises `publish` that its images are in the registry. Sets the outcome's
// fragment (without the runner and tool version, which app/ knows) or error.
void record_fragment(const Run& run, const Fleet& fleet, BuildOutcome& outcome);

} // namespace pma::job::detail
