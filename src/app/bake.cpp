// bake (include/pma/app/bake.hpp).
#include <pma/app/bake.hpp>
#include <pma/app/validate.hpp>

namespace pma::app {

using util::Result;

Result<bake::LoadedRelease>
resolve_release(const bake::LoadRequest& request)
{
  return bake::load_release(request);
}

Result<job::ReleaseOutcome>
bake(const job::Release& release, const BakeRequest& request, job::Progress& progress)
{
  PMA_TRY_ASSIGN(const auto credentials, load_credentials(request.auth_options));
  PMA_TRY_ASSIGN(const auto selection, select_hosts(request.hosts));
  PMA_TRY(check_for_hosts(release.options, selection.hosts));
  for (const auto& target : release.targets) {
    PMA_TRY(check_for_hosts(target.options, selection.hosts));
  }
  return job::run_release(release, selection.hosts, selection.connect, credentials, progress);
}

} // namespace pma::app
