// bake (include/pma/app/bake.hpp).
#include <pma/app/bake.hpp>
#include <pma/app/fragment_file.hpp>
#include <pma/app/validate.hpp>

#include <algorithm>

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
  if (release.options.fragment) {
    PMA_TRY(check_fragment_path(request.fragment_file));
  }
  PMA_TRY_ASSIGN(const auto credentials, load_credentials(request.auth_options));
  PMA_TRY_ASSIGN(const auto selection, select_hosts(request.hosts));
  PMA_TRY(check_for_hosts(release.options, selection.hosts));
  for (const auto& target : release.targets) {
    PMA_TRY(check_for_hosts(target.options, selection.hosts));
  }
  PMA_TRY_ASSIGN(const auto signer,
                 signer_for(request.signing, release.options,
                            std::any_of(release.targets.begin(), release.targets.end(),
                                        [](const job::ReleaseTarget& target) { return !target.options.tags.empty(); }),
                            credentials));
  auto outcome = job::run_release(release, selection.hosts, selection.connect, credentials, progress, signer.get());
  if (auto ok = write_run_fragment(request.fragment_file, outcome.fragment, progress); !ok) {
    outcome.exit_status = util::exit_status_for(ok.error().cls);
    outcome.error = std::move(ok).error();
  }
  return outcome;
}

} // namespace pma::app
