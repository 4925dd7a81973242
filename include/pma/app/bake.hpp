#pragma once

#include <pma/app/selection.hpp>
#include <pma/app/signing.hpp>
#include <pma/bake/release_file.hpp>
#include <pma/job/progress.hpp>
#include <pma/job/release.hpp>
#include <pma/util/error.hpp>

// `bake`: the release of podman-multiarch-bake(1), from its files, on the
// hosts the command line selects.
namespace pma::app {

struct BakeRequest {
  bake::LoadRequest load; // the files, the names, --set, the run-wide options
  HostChoice hosts;
  auth::AuthOptions auth_options; // --authfile, --creds
  std::string fragment_file;      // --fragment (release.options.fragment): where the fragment goes
  std::optional<SigningRequest> signing;
};

// The release the files describe, resolved and checked; no host is contacted
// and no credential read (--print).
util::Result<bake::LoadedRelease> resolve_release(const bake::LoadRequest& request);

// Loads the credentials, selects the hosts, checks what needs their names and
// declared platforms for every target (--manifest-host, --arch-tag-format),
// then runs the release, which reports to `progress`; with --fragment the
// fragment of every target is written too. An error is one of
// these steps; what the release itself runs into is in the outcome.
util::Result<job::ReleaseOutcome> bake(const job::Release& release, const BakeRequest& request,
                                       job::Progress& progress);

} // namespace pma::app
