#pragma once

#include <pma/auth/credentials.hpp>
#include <pma/config/host.hpp>
#include <pma/hosts/session.hpp>
#include <pma/util/error.hpp>

#include <optional>
#include <string>
#include <vector>

// What every use case starts from: the hosts a command line selects, and the
// registry credentials it names.
namespace pma::app {

// The host-selection options as given (podman-multiarch(1), "Hosts").
struct HostChoice {
  std::string config_file;              // --config; empty: the search path
  std::vector<std::string> hosts;       // --host
  std::vector<std::string> connections; // --connection
  std::optional<std::string> farm;      // --farm
  std::optional<std::string> identity;  // --identity
  std::string connect_timeout = "10s";  // --connect-timeout, as given
  bool accept_new_host_keys = false;    // --ssh-accept-new-host-keys
};

struct Selection {
  std::vector<config::Host> hosts;
  hosts::ConnectOptions connect;
  std::vector<std::string> add_compression; // containers.conf [engine] add_compression
};

// The hosts `choice` selects (configuration file, podman's connections and
// farms, the environment) and how to connect to them. Secrets in their URLs
// and the SSH key passphrase are registered with util::redact.
util::Result<Selection> select_hosts(const HostChoice& choice);

// The registry credentials --authfile and --creds (`options`; empty: not
// given) and the environment name.
util::Result<auth::CredentialStore> load_credentials(const auth::AuthOptions& options);

} // namespace pma::app
