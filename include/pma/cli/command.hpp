#pragma once

#include <pma/auth/credentials.hpp>
#include <pma/cli/cxxopts.hpp>
#include <pma/config/host.hpp>
#include <pma/hosts/session.hpp>
#include <pma/util/error.hpp>
#include <pma/util/retry.hpp>

#include <string>
#include <vector>

namespace pma::cli {

// Options given before the command name; commands accept them too.
struct GlobalOptions {
  std::string config;    // --config
  std::string log_level; // --log-level
};

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args, const GlobalOptions& globals);
};

const std::vector<Command>& commands();

// --- Helpers shared by the commands ---

// An Options object with --help, --config and --log-level.
cxxopts::Options make_options(const std::string& command, const std::string& summary);

// --host, --farm, --connection, --identity, --ssh-accept-new-host-keys, --connect-timeout.
void add_host_selection_options(cxxopts::Options& options);

// --authfile, --creds and --tls-verify, in option group `group`.
void add_registry_options(cxxopts::Options& options, const std::string& group = "Registry");

// The registry credentials that --authfile / --creds (and the environment) name.
util::Result<auth::CredentialStore> load_credentials(const cxxopts::ParseResult& parsed);

// --retry and --retry-delay (podman's names and defaults).
void add_retry_options(cxxopts::Options& options);
util::Result<util::RetryPolicy> retry_policy(const cxxopts::ParseResult& parsed);

// Parses `args` (without the command name); unknown options get "did you mean".
// Applies --log-level.
util::Result<cxxopts::ParseResult> parse(cxxopts::Options& options, const std::vector<std::string>& args,
                                         const GlobalOptions& globals);

struct Selection {
  std::vector<config::Host> hosts;
  hosts::ConnectOptions connect;
};

// The hosts the parsed host-selection options select, and how to connect.
util::Result<Selection> host_selection(const cxxopts::ParseResult& parsed, const GlobalOptions& globals);

// Validates --format against `allowed`.
util::Result<std::string> output_format(const cxxopts::ParseResult& parsed, const std::vector<std::string>& allowed);

// Prints "podman-multiarch: error: …" and returns the exit code for `error`.
int report(const util::Error& error);

} // namespace pma::cli
