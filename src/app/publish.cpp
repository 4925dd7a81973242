// publish (include/pma/app/publish.hpp).
#include <pma/app/fragment_file.hpp>
#include <pma/app/publish.hpp>
#include <pma/app/validate.hpp>

namespace pma::app {

using util::Result;

Result<job::PublishOutcome>
publish(const PublishRequest& request, job::Progress& progress)
{
  job::PublishOptions options = request.options;
  options.fragments.clear();
  for (const auto& file : request.fragment_files) {
    PMA_TRY_ASSIGN(auto fragment, read_fragment(file));
    options.fragments.push_back({file, std::move(fragment)});
  }
  PMA_TRY_ASSIGN(const auto credentials, load_credentials(request.auth_options));
  PMA_TRY_ASSIGN(const auto selection, select_hosts(request.hosts));
  if (!options.manifest_host.empty()) {
    PMA_TRY(check_manifest_host(options.manifest_host, selection.hosts));
  }
  std::unique_ptr<job::ReleaseSigner> signer;
  if (request.signing) {
    PMA_TRY_ASSIGN(signer, load_signer(*request.signing, credentials, options.tls_verify.value_or(true)));
  }
  return job::run_publish(options, selection.hosts, selection.connect, credentials, progress, signer.get());
}

} // namespace pma::app
