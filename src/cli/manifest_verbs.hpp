#pragma once

// Private to src/cli: one run of a `manifest` verb (manifest_verbs.cpp), which
// manifest_cmd.cpp parses and dispatches.
#include <pma/auth/credentials.hpp>
#include <pma/cli/command.hpp>
#include <pma/hosts/session.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace pma::cli {

// One verb's run: its parsed options, one host, credentials.
class VerbRun {
public:
  VerbRun(const cxxopts::ParseResult& parsed, std::vector<std::string> args)
    : m_parsed(parsed)
    , m_args(std::move(args))
  {
  }

  // Opens the session with the first selected host (--host, else the
  // configuration's default) and loads the credentials.
  util::Result<void> connect(const GlobalOptions& globals);

  hosts::Session&
  session()
  {
    return *m_session;
  }
  libpod::LibpodClient&
  client()
  {
    return m_session->client();
  }
  const std::vector<std::string>&
  args() const
  {
    return m_args;
  }
  const cxxopts::ParseResult&
  parsed() const
  {
    return m_parsed;
  }
  const auth::CredentialStore&
  credentials() const
  {
    return m_credentials;
  }
  // containers.conf's default for --add-compression, as podman's CLI reads it.
  const std::vector<std::string>&
  configured_add_compression() const
  {
    return m_add_compression;
  }

  // --tls-verify or --insecure, if given: like podman, nothing is sent otherwise
  // and the host's registries.conf decides.
  std::optional<bool>
  tls_verify() const
  {
    if (m_parsed.count("insecure") != 0) {
      return !m_parsed["insecure"].as<bool>(); // --insecure=false asks for verification
    }
    return m_parsed.count("tls-verify") != 0 ? std::optional(m_parsed["tls-verify"].as<bool>()) : std::nullopt;
  }

  // X-Registry-Auth for an operation on `references`.
  std::string
  auth_header(const std::vector<std::string>& references) const
  {
    return m_credentials.header_for(references);
  }

private:
  const cxxopts::ParseResult& m_parsed;
  std::vector<std::string> m_args;
  std::unique_ptr<hosts::Session> m_session;
  auth::CredentialStore m_credentials;
  std::vector<std::string> m_add_compression;
};

// Runs verb `verb` (its arguments checked); the exit status on success.
util::Result<int> run_verb(const std::string& verb, VerbRun& run);

} // namespace pma::cli
