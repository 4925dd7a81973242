#pragma once

#include <pma/job/publish.hpp>

#include <string>

namespace pma::output {

// The end-of-run tables of `publish`: per list, its platforms (host, digest,
// duration from the fragments; the registry check's result).
std::string publish_summary(const job::PublishOutcome& outcome, bool color);

// `publish --metadata-file`: per list what build's metadata file holds for
// its one list, with the list's name and fragments.
std::string publish_metadata_json(const job::PublishOutcome& outcome);

// What standard output gets: the index digest of the one list, or
// "NAME DIGEST" per list when there are several.
std::string publish_digests(const job::PublishOutcome& outcome);

} // namespace pma::output
