// The release job (podman-multiarch-bake(1)).
#include <pma/job/release.hpp>

namespace pma::job {

ReleaseOutcome
run_release(const Release& /*release*/, const std::vector<config::Host>& /*hosts*/,
            const hosts::ConnectOptions& /*connect*/, const auth::CredentialStore& /*credentials*/,
            Environment& /*environment*/)
{
  ReleaseOutcome outcome;
  outcome.exit_status = util::ExitStatus::failure;
  outcome.error = util::Error(util::ErrorClass::internal, "releases are not built yet");
  return outcome;
}

ReleaseOutcome
run_release(const Release& release, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
            const auth::CredentialStore& credentials, Progress& progress)
{
  (void)release, (void)hosts, (void)connect, (void)credentials, (void)progress;
  ReleaseOutcome outcome;
  outcome.exit_status = util::ExitStatus::failure;
  outcome.error = util::Error(util::ErrorClass::internal, "releases are not built yet");
  return outcome;
}

} // namespace pma::job
