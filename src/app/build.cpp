// build (include/pma/app/build.hpp).
#include <pma/app/build.hpp>
#include <pma/app/validate.hpp>

#include <algorithm>

namespace pma::app {

using util::Result;

namespace {

// The checks that need the selected hosts' names and declared platforms,
// still before any host is contacted.
Result<void>
check_selection(const job::BuildOptions& options, const std::vector<config::Host>& hosts)
{
  if (!options.manifest_host.empty()) {
    PMA_TRY(check_manifest_host(options.manifest_host, hosts));
  }
  // Without --platform: what the hosts declare, else linux/amd64 as an example
  // (os, architecture and variant names are lowercase letters and digits).
  std::vector<oci::Platform> platforms = options.platforms;
  if (platforms.empty()) {
    for (const auto& host : hosts) {
      for (const auto& platform : host.platforms) {
        if (std::find(platforms.begin(), platforms.end(), platform) == platforms.end()) {
          platforms.push_back(platform);
        }
      }
    }
    if (platforms.empty()) {
      platforms.push_back(oci::Platform{"linux", "amd64", ""});
    }
  }
  return check_arch_tag_format(options.arch_tag_format, options.no_push ? std::vector<oci::ImageRef>{} : options.tags,
                               platforms);
}

} // namespace

Result<job::BuildOutcome>
build(const BuildRequest& request, job::Progress& progress)
{
  PMA_TRY_ASSIGN(const auto credentials, load_credentials(request.auth_options));
  PMA_TRY_ASSIGN(const auto selection, select_hosts(request.hosts));
  PMA_TRY(check_selection(request.options, selection.hosts));
  return job::run_build(request.options, selection.hosts, selection.connect, credentials, progress);
}

} // namespace pma::app
