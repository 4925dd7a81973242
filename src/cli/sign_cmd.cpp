// podman-multiarch generate-sigstore-key --output-prefix PREFIX [--passphrase-file FILE]
#include <pma/app/signing.hpp>
#include <pma/sign/key.hpp>

#include <fmt/format.h>

#include "commands.hpp"
#include "options.hpp"

namespace pma::cli {

namespace {

constexpr const char* k_examples = "  podman-multiarch generate-sigstore-key --output-prefix release\n"
                                   "  podman-multiarch generate-sigstore-key --output-prefix keys/release "
                                   "--passphrase-file pass.txt\n";

util::Result<std::string>
passphrase_for(const Invocation& call, const std::string& prefix)
{
  if (call.given("passphrase-file")) {
    return sign::read_passphrase_file(call.get<std::string>("passphrase-file"));
  }
  auto asked = read_hidden(fmt::format("Passphrase for key {}.private: ", prefix));
  if (!asked) {
    return util::Unexpected(util::Error(
        util::ErrorClass::usage,
        fmt::format("cannot prompt for a passphrase for key {}.private: standard input is not a terminal", prefix),
        "give it with --passphrase-file FILE"));
  }
  std::string passphrase = std::move(*asked);
  std::string again = read_hidden("Repeat the passphrase: ").value_or("");
  const bool same = again == passphrase;
  wipe(again);
  if (!same) {
    wipe(passphrase);
    return util::fail(util::ErrorClass::usage, "the passphrases differ");
  }
  return passphrase;
}

int
run_generate_sigstore_key(const Invocation& call)
{
  const auto prefix = call.get<std::string>("output-prefix");
  if (prefix.empty()) {
    return report(util::Error(util::ErrorClass::usage, "--output-prefix PREFIX is required",
                              "the key is written to PREFIX.private and PREFIX.pub"));
  }
  auto passphrase = passphrase_for(call, prefix);
  if (!passphrase) {
    return report(passphrase.error());
  }
  auto written = app::write_sigstore_key_pair(prefix, *passphrase);
  wipe(*passphrase);
  if (!written) {
    return report(written.error());
  }
  fmt::print("Key written to \"{}\" and \"{}\"\n", written->private_key.string(), written->public_key.string());
  return util::to_int(util::ExitStatus::success);
}

} // namespace

Command
generate_sigstore_key_command()
{
  return {.name = "generate-sigstore-key",
          .summary = "Create a key pair for signing images (as skopeo does)",
          .description = "Create an ECDSA P-256 key pair for sigstore signatures: PREFIX.private, encrypted with a "
                         "passphrase, and PREFIX.pub, in the files podman, skopeo and cosign read",
          .usage = "--output-prefix PREFIX [--passphrase-file FILE]",
          .examples = k_examples,
          .options = {{"Key", "output-prefix", "Write PREFIX.private and PREFIX.pub (never over existing files)",
                       cxxopts::value<std::string>()->default_value(""), "PREFIX"},
                      {"Key", "passphrase-file",
                       "Read the passphrase from the first line of FILE (else it is asked for on the terminal)",
                       cxxopts::value<std::string>(), "FILE"}},
          .run = run_generate_sigstore_key};
}

} // namespace pma::cli
