// The entry points of the engine: run_release() for `bake`, run_build() for
// `build` (a release of one image), with the network and registry as they are.
#include <pma/job/release.hpp>

#include "job.hpp"

namespace pma::job {

ReleaseOutcome
run_release(const Release& release, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
            const auth::CredentialStore& credentials, Environment& environment)
{
  return detail::Job(release, hosts, connect, credentials, environment, /*one_image=*/false).run();
}

ReleaseOutcome
run_release(const Release& release, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
            const auth::CredentialStore& credentials, Progress& progress, ReleaseSigner* signer)
{
  RegistryReader registry(credentials, release.options.tls_verify.value_or(true));
  Environment environment{hosts::network_connector(), registry, progress, {}, signer};
  return run_release(release, hosts, connect, credentials, environment);
}

BuildOutcome
run_build(const BuildOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
          const auth::CredentialStore& credentials, Environment& environment)
{
  const Release release{{ReleaseTarget{"", options, {}, true}}, options};
  ReleaseOutcome outcome = detail::Job(release, hosts, connect, credentials, environment, /*one_image=*/true).run();
  BuildOutcome build = std::move(outcome.targets.front().outcome);
  build.exit_status = outcome.exit_status;
  build.error = std::move(outcome.error);
  return build;
}

BuildOutcome
run_build(const BuildOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
          const auth::CredentialStore& credentials, Progress& progress, ReleaseSigner* signer)
{
  RegistryReader registry(credentials, options.tls_verify.value_or(true));
  Environment environment{hosts::network_connector(), registry, progress, {}, signer};
  return run_build(options, hosts, connect, credentials, environment);
}

} // namespace pma::job
