#pragma once

// Private to src/cli: the options several commands share, declared once, and
// how they become the use cases' requests.
#include <pma/app/selection.hpp>
#include <pma/app/signing.hpp>
#include <pma/cli/command.hpp>
#include <pma/context/context.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pma::cli {

// A global option: read before the command name (dispatch), listed by
// podman-multiarch --help, offered by completion, and (unless `before_command_only`) in
// every command's --help and command line.
struct GlobalOption {
  std::string_view name;        // without "--"
  std::string_view short_name;  // listed with it ("h")
  std::string_view alias;       // also accepted before the command, unlisted ("-v")
  std::string_view value_name;  // in a command's --help; empty: a switch
  std::string_view usage_value; // the same in podman-multiarch --help's narrower column
  std::string_view summary;     // in podman-multiarch --help, and a command's --help
  std::string_view completion;  // what completion says of it
  std::vector<std::string> choices;
  bool before_command_only = false;
};

const std::vector<GlobalOption>& global_options();

// The "Global" group of every command.
const std::vector<Option>& command_global_options();

// --host, --farm, --connection, --identity, --ssh-accept-new-host-keys, --connect-timeout.
std::vector<Option> host_selection_options();

// --authfile, --creds and --tls-verify, in --help group `group`.
std::vector<Option> registry_options(const std::string& group = "Registry");

// --retry and --retry-delay (podman's names and defaults).
std::vector<Option> retry_options();

// --sign-by-sigstore-private-key and --sign-passphrase-file (podman's names).
std::vector<Option> signing_options();
// Their values: nullopt without a key; the passphrase from its file, else
// asked for on the terminal (an error when there is none).
util::Result<std::optional<app::SigningRequest>> signing_request(const Invocation& call);

// One line from the terminal, not echoed; nullopt when stdin is no terminal.
std::optional<std::string> read_hidden(const std::string& prompt);
// Overwrites a secret before its memory is given back.
void wipe(std::string& secret);

// --compress (build and bake).
std::vector<Option> transfer_options();

// The options' values as the use cases take them.
app::HostChoice host_choice(const Invocation& call);
auth::AuthOptions auth_options(const Invocation& call);
// --compress: nullopt for auto.
util::Result<std::optional<context::Compression>> compression(const Invocation& call);

// Whether any of --host, --connection, --farm is given.
bool hosts_named(const Invocation& call);

// --metadata-file, --digestfile: `text` written to `path` (replaced).
util::Result<void> write_text(const std::string& path, const std::string& text);

// `a` followed by each of `more`.
std::vector<Option> joined(std::vector<Option> a, const std::vector<std::vector<Option>>& more);

} // namespace pma::cli
