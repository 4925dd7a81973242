#pragma once

#include <pma/app/selection.hpp>
#include <pma/app/signing.hpp>
#include <pma/job/progress.hpp>
#include <pma/job/publish.hpp>
#include <pma/util/error.hpp>

#include <string>
#include <vector>

// `publish`: the lists of the fragments other runs wrote
// (podman-multiarch-publish(1)), on the hosts the command line selects.
namespace pma::app {

struct PublishRequest {
  std::vector<std::string> fragment_files;
  job::PublishOptions options; // its fragments are read here, from fragment_files
  HostChoice hosts;
  auth::AuthOptions auth_options; // --authfile, --creds
  std::optional<SigningRequest> signing;
};

// Reads every fragment (a file that is not one is a usage error naming it),
// loads the credentials, selects the hosts and checks --manifest-host before
// any is contacted, then runs the publish, which reports to `progress`.
util::Result<job::PublishOutcome> publish(const PublishRequest& request, job::Progress& progress);

} // namespace pma::app
