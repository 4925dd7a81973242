#pragma once

// Private to src/job: the fragment a --fragment run records, and the
// fragments `publish` merges into the targets it publishes.
#include <pma/job/publish.hpp>

#include <string>
#include <vector>

#include "fleet.hpp"
#include "run_state.hpp"

namespace pma::job::detail {

// After the builds of a --fragment run: what was pushed, under the rules a
// list would be (all or nothing, --allow-partial, --require), since a fragment
// promises `publish` that its images are in the registry. Sets the outcome's
// fragment (without the runner and tool version, which app/ knows) or error.
void record_fragment(const Run& run, const Fleet& fleet, BuildOutcome& outcome);

// One target of the fragments, merged: a build whose platforms are done.
struct MergedTarget {
  std::string name;
  // Tags, platforms asked, format, list annotations; the run-wide fields from
  // PublishOptions.
  BuildOptions options;
  // Per platform asked, in order: queued with its image (host, digest,
  // pushed_to = repository@digest), failed where no fragment has one.
  std::vector<PlatformResult> platforms;
  std::vector<std::string> origins; // per platforms entry: "a.json (runner ci-1, run …)"; "" for none
  oci::ImageRef repository;         // where its images are (one repository per list)
  std::vector<std::string> fragments;
};

// The fragments' targets merged by name. Errors (class usage) name the
// fragments concerned: a platform in two of them, tags, format or list
// annotations that differ, an image for a platform --platform does not name,
// --tag with several targets.
util::Result<std::vector<MergedTarget>> merge_fragments(const PublishOptions& options);

// "b.json (runner ci-2, run 1764…-9f2a)": a fragment as messages name it.
std::string origin_of(const FragmentSource& source);

} // namespace pma::job::detail
