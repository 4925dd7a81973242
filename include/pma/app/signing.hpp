#pragma once

// Signing keys on disk (podman-multiarch-generate-sigstore-key(1)).
#include <pma/util/error.hpp>

#include <filesystem>
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

} // namespace pma::app
