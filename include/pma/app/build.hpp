#pragma once

#include <pma/app/selection.hpp>
#include <pma/app/signing.hpp>
#include <pma/job/progress.hpp>
#include <pma/job/run.hpp>
#include <pma/util/error.hpp>

// `build`: the job of podman-multiarch-build(1) on the hosts the command line
// selects.
namespace pma::app {

struct BuildRequest {
  job::BuildOptions options;
  HostChoice hosts;
  auth::AuthOptions auth_options; // --authfile, --creds
  std::string fragment_file;      // --fragment (options.fragment): where the fragment goes
  std::optional<SigningRequest> signing;
};

// Loads the credentials, selects the hosts, checks what needs their names and
// declared platforms (--manifest-host, --arch-tag-format; no host is contacted
// before), then runs the job, which reports to `progress`. An error is one of
// these steps; what the job itself runs into is in the outcome. With
// --fragment the fragment is written there too (not on --dry-run).
util::Result<job::BuildOutcome> build(const BuildRequest& request, job::Progress& progress);

} // namespace pma::app
