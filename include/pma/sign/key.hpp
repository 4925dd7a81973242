#pragma once

// Sigstore signing keys in the files podman, skopeo and cosign use
// (docs/signing.md): an ECDSA P-256 key whose private half is PKCS#8,
// encrypted with scrypt and NaCl secretbox inside the PEM block
// "ENCRYPTED COSIGN PRIVATE KEY" (or "… SIGSTORE …"), and its public half as
// a PEM "PUBLIC KEY".
#include <pma/util/error.hpp>

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

namespace pma::sign {

// What `skopeo generate-sigstore-key` (1.14+) writes.
struct KeyFiles {
  std::string private_pem;
  std::string public_pem;
};

// A new key pair; the private key encrypted with `passphrase` (may be empty).
util::Result<KeyFiles> generate_key_pair(std::string_view passphrase);

// The passphrase in FILE as podman and skopeo read it: its first line, only a
// trailing "\n" removed.
util::Result<std::string> read_passphrase_file(const std::filesystem::path& file);

class PublicKey;

class PrivateKey {
public:
  // Decrypts a private key file's text; `source` names it in errors.
  static util::Result<PrivateKey> decrypt(std::string_view pem, std::string_view passphrase, const std::string& source);
  ~PrivateKey();
  PrivateKey(PrivateKey&& other) noexcept;
  PrivateKey& operator=(PrivateKey&& other) noexcept;
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;

  // ECDSA over SHA-256 of `data`: the ASN.1 DER signature.
  util::Result<std::string> sign(std::string_view data) const;
  // Its public half, as a "PUBLIC KEY" PEM.
  util::Result<std::string> public_pem() const;

private:
  struct Impl;
  explicit PrivateKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

class PublicKey {
public:
  // A "PUBLIC KEY" (SubjectPublicKeyInfo) PEM; `source` names it in errors.
  static util::Result<PublicKey> parse(std::string_view pem, const std::string& source);
  ~PublicKey();
  PublicKey(PublicKey&& other) noexcept;
  PublicKey& operator=(PublicKey&& other) noexcept;
  PublicKey(const PublicKey&) = delete;
  PublicKey& operator=(const PublicKey&) = delete;

  // Whether `signature` (ASN.1 DER) is this key's over SHA-256 of `data`.
  bool verifies(std::string_view data, std::string_view signature) const;

private:
  struct Impl;
  explicit PublicKey(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> m_impl;
};

} // namespace pma::sign
