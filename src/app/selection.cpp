// The hosts and credentials a command line selects (include/pma/app/selection.hpp).
#include <pma/app/selection.hpp>
#include <pma/app/validate.hpp>
#include <pma/config/config_file.hpp>
#include <pma/config/podman_conf.hpp>
#include <pma/config/selection.hpp>
#include <pma/transport/http.hpp>
#include <pma/util/duration.hpp>
#include <pma/util/fs.hpp>
#include <pma/util/log.hpp>
#include <pma/util/redact.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

namespace pma::app {

using util::ErrorClass;
using util::Result;

namespace {

// A host-selection value that names nothing ("--host ''").
Result<void>
check_names(const std::vector<std::string>& values, const std::string_view option)
{
  for (const auto& value : values) {
    if (util::trim(value).empty()) {
      return util::fail(ErrorClass::usage, fmt::format("--{} '{}' names nothing", option, value));
    }
  }
  return {};
}

std::vector<std::string>
listed(const std::optional<std::string>& value)
{
  return value ? std::vector<std::string>{*value} : std::vector<std::string>{};
}

} // namespace

Result<Selection>
select_hosts(const HostChoice& choice)
{
  Selection selection;
  selection.connect.accept_new_host_keys = choice.accept_new_host_keys;
  PMA_TRY_ASSIGN(selection.connect.connect_timeout, util::parse_duration(choice.connect_timeout, "--connect-timeout"));
  PMA_TRY(check_positive(selection.connect.connect_timeout, choice.connect_timeout, "connect-timeout"));

  PMA_TRY_ASSIGN(const auto config_path, config::find_config(choice.config_file));
  std::optional<config::ConfigFile> config;
  if (config_path) {
    PMA_TRY_ASSIGN(config, config::load_config(*config_path));
    util::log::debug("configuration: {}", config_path->string());
  }
  PMA_TRY_ASSIGN(const auto podman, config::load_podman_settings(config::podman_config_paths()));
  PMA_TRY(check_names(choice.hosts, "host"));
  PMA_TRY(check_names(choice.connections, "connection"));
  PMA_TRY(check_names(listed(choice.farm), "farm"));
  PMA_TRY(check_names(listed(choice.identity), "identity"));
  config::SelectionOptions options;
  options.hosts = choice.hosts;
  options.connections = choice.connections;
  options.farm = choice.farm.value_or("");
  options.identity = choice.identity.value_or("");
  PMA_TRY_ASSIGN(selection.hosts,
                 config::select_hosts(options, config, podman, config::SelectionEnvironment::from_process()));
  selection.add_compression = podman.add_compression;
  // SSH secrets: a password in a host URL, the key passphrase podman reads.
  util::redact::add(util::env("CONTAINER_PASSPHRASE"));
  for (const auto& host : selection.hosts) {
    if (!host.url.password.empty()) {
      util::redact::add(host.url.password);
      util::redact::add(transport::url_encode(host.url.password));
    }
  }
  return selection;
}

Result<auth::CredentialStore>
load_credentials(const auth::AuthOptions& options)
{
  return auth::CredentialStore::load(options, auth::AuthEnvironment::from_process());
}

} // namespace pma::app
