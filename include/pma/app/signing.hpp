#pragma once

// Signing keys on disk (podman-multiarch-generate-sigstore-key(1)).
#include <pma/auth/credentials.hpp>
#include <pma/job/run.hpp>
#include <pma/job/signer.hpp>
#include <pma/util/error.hpp>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace pma::app {

struct KeyPaths {
  std::filesystem::path private_key; // PREFIX.private, mode 0600
  std::filesystem::path public_key;  // PREFIX.pub, mode 0644
};

// A new key pair written as `skopeo generate-sigstore-key` writes it; an
// existing file is never overwritten, and nothing is left half-written.
util::Result<KeyPaths> write_sigstore_key_pair(const std::string& prefix, std::string_view passphrase);

// --sign-by-sigstore-private-key and its passphrase (read by the command line).
struct SigningRequest {
  std::filesystem::path private_key;
  std::string passphrase;
};

// A signer of lists and images in the registries `credentials` reach, with
// the key in `request`. Refuses a key file that its group or others may read
// (as ssh refuses such a private key). The key is decrypted on a thread of
// its own meanwhile: its prepare() reports a wrong passphrase, which the job
// asks before any build starts. The passphrase is hidden from every message.
util::Result<std::unique_ptr<job::ReleaseSigner>>
load_signer(const SigningRequest& request, const auth::CredentialStore& credentials, bool tls_verify);

// load_signer() for a run of `options` (null without a key); refuses a key
// for a run that publishes no list (--no-push, --fragment, no tag: `tagged`
// says whether the image, or any target of a release, has one).
util::Result<std::unique_ptr<job::ReleaseSigner>> signer_for(const std::optional<SigningRequest>& request,
                                                             const job::BuildOptions& options, bool tagged,
                                                             const auth::CredentialStore& credentials);

} // namespace pma::app
