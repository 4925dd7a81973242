// --sign-by-sigstore-private-key, --sign-passphrase-file, and the hidden
// passphrase prompt they share with generate-sigstore-key.
#include <pma/sign/key.hpp>

#include <fmt/format.h>
#include <sodium.h>
#include <termios.h>
#include <unistd.h>

#include <iostream>

#include "options.hpp"

namespace pma::cli {

void
wipe(std::string& secret)
{
  sodium_memzero(secret.data(), secret.size());
}

std::optional<std::string>
read_hidden(const std::string& prompt)
{
  termios saved{};
  if (::isatty(STDIN_FILENO) == 0 || ::tcgetattr(STDIN_FILENO, &saved) != 0) {
    return std::nullopt;
  }
  termios quiet = saved;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  fmt::print(stderr, "{}", prompt);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  std::string line;
  std::getline(std::cin, line);
  ::tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
  fmt::print(stderr, "\n");
  return line;
}

std::vector<Option>
signing_options()
{
  return {
      {"Signing", "sign-by-sigstore-private-key",
       "Sign every image and the list with this sigstore key (PREFIX.private of generate-sigstore-key); the tags "
       "move only once the signatures are verified",
       cxxopts::value<std::string>(), "FILE"},
      {"Signing", "sign-passphrase-file",
       "Read the key's passphrase from the first line of FILE (else it is asked for on the terminal)",
       cxxopts::value<std::string>(), "FILE"},
  };
}

util::Result<std::optional<app::SigningRequest>>
signing_request(const Invocation& call)
{
  if (!call.given("sign-by-sigstore-private-key")) {
    if (call.given("sign-passphrase-file")) {
      return util::fail(util::ErrorClass::usage, "--sign-passphrase-file needs --sign-by-sigstore-private-key");
    }
    return std::optional<app::SigningRequest>();
  }
  app::SigningRequest request;
  request.private_key = call.get<std::string>("sign-by-sigstore-private-key");
  if (request.private_key.empty()) {
    return util::fail(util::ErrorClass::usage, "--sign-by-sigstore-private-key '' names no file");
  }
  if (call.given("sign-passphrase-file")) {
    PMA_TRY_ASSIGN(request.passphrase, sign::read_passphrase_file(call.get<std::string>("sign-passphrase-file")));
  } else {
    auto asked = read_hidden(fmt::format("Key Passphrase for {}: ", request.private_key.string()));
    if (!asked) {
      return util::Unexpected(
          util::Error(util::ErrorClass::usage,
                      fmt::format("cannot ask for the passphrase of {}: standard input is not a terminal",
                                  request.private_key.string()),
                      "give it with --sign-passphrase-file FILE"));
    }
    request.passphrase = std::move(*asked);
  }
  return std::optional<app::SigningRequest>(std::move(request));
}

} // namespace pma::cli
