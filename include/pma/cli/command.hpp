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

// What a command's operands are, for completion.
enum class Operand { none, directory };

struct Subcommand {
  std::string name;
  std::string summary;
};

struct Command {
  const char* name;
  const char* summary;
  int (*run)(const std::vector<std::string>& args, const GlobalOptions& globals);
  // The options run() parses; `subcommand` selects them where they depend on it
  // (manifest verbs). Help, completion and the man-page test use it too.
  cxxopts::Options (*options)(const std::string& subcommand);
  std::vector<Subcommand> subcommands; // hosts: list, check; manifest: its verbs; completion: the shells
  Operand operand = Operand::none;
};

// The commands, in the order --help lists them.
const std::vector<Command>& commands();

// podman-multiarch __complete WORD... CURRENT (hidden; see complete.cpp).
int run_complete(const std::vector<std::string>& args);

// One option as completion and documentation see it.
struct OptionInfo {
  std::string long_name;  // without "--"
  std::string short_name; // without "-", may be empty
  std::string description;
  std::string value_name;   // "FILE", "N", …; empty for flags
  bool takes_value = false; // as a separate word (not flags, not --opt[=value] options)
};

// The visible options of `options` (positional holders are hidden).
std::vector<OptionInfo> option_infos(const cxxopts::Options& options);

// The fixed values option `option` of `command` accepts ("" for global options),
// for validation and completion alike; empty if its values are open.
const std::vector<std::string>& choices_for(std::string_view command, std::string_view option);

// Checks the value of `option` against choices_for(command, option).
util::Result<std::string> checked_choice(const cxxopts::ParseResult& parsed, std::string_view command,
                                         const std::string& option);

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

// Parses a command's arguments like parse(). nullopt means the command is done:
// a usage error was reported, or --help printed its options (Global last) and
// `examples`; `status` then holds the exit code.
std::optional<cxxopts::ParseResult> parse_command_line(cxxopts::Options& options, const std::vector<std::string>& args,
                                                       const GlobalOptions& globals, std::string_view examples,
                                                       int& status);

struct Selection {
  std::vector<config::Host> hosts;
  hosts::ConnectOptions connect;
  std::vector<std::string> add_compression; // containers.conf [engine] add_compression
};

// The hosts the parsed host-selection options select, and how to connect.
util::Result<Selection> host_selection(const cxxopts::ParseResult& parsed, const GlobalOptions& globals);

// Prints "podman-multiarch: error: …" and returns the exit code for `error`.
int report(const util::Error& error);

} // namespace pma::cli
