// build (include/pma/app/build.hpp).
#include <pma/app/build.hpp>
#include <pma/app/validate.hpp>

namespace pma::app {

using util::Result;

Result<job::BuildOutcome>
build(const BuildRequest& request, job::Progress& progress)
{
  PMA_TRY_ASSIGN(const auto credentials, load_credentials(request.auth_options));
  PMA_TRY_ASSIGN(const auto selection, select_hosts(request.hosts));
  PMA_TRY(check_for_hosts(request.options, selection.hosts));
  return job::run_build(request.options, selection.hosts, selection.connect, credentials, progress);
}

} // namespace pma::app
