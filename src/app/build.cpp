// build (include/pma/app/build.hpp).
#include <pma/app/build.hpp>
#include <pma/app/fragment_file.hpp>
#include <pma/app/validate.hpp>

namespace pma::app {

using util::Result;

Result<job::BuildOutcome>
build(const BuildRequest& request, job::Progress& progress)
{
  if (request.options.fragment) {
    PMA_TRY(check_fragment_path(request.fragment_file));
  }
  PMA_TRY_ASSIGN(const auto credentials, load_credentials(request.auth_options));
  PMA_TRY_ASSIGN(const auto selection, select_hosts(request.hosts));
  PMA_TRY(check_for_hosts(request.options, selection.hosts));
  PMA_TRY_ASSIGN(const auto signer,
                 signer_for(request.signing, request.options, !request.options.tags.empty(), credentials));
  auto outcome =
      job::run_build(request.options, selection.hosts, selection.connect, credentials, progress, signer.get());
  if (auto ok = write_run_fragment(request.fragment_file, outcome.fragment, progress); !ok) {
    outcome.exit_status = util::exit_status_for(ok.error().cls);
    outcome.error = std::move(ok).error();
  }
  return outcome;
}

} // namespace pma::app
