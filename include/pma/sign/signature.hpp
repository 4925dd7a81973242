#pragma once

// The sigstore signature of one image manifest, as containers/image writes and
// reads it (docs/signing.md): a simple-signing JSON payload naming the
// reference and the manifest digest, signed with ECDSA over SHA-256.
#include <pma/sign/key.hpp>
#include <pma/util/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace pma::sign {

// What a payload claims.
struct Claims {
  std::string docker_reference; // "registry/repo:tag", as pulled
  std::string manifest_digest;  // "sha256:…"
};

// The payload: compact JSON with sorted keys, as Go's encoding/json writes it.
std::string payload(const Claims& claims, std::string_view creator, std::int64_t timestamp);

// A payload read as strictly as containers/image reads it: "critical" holds
// exactly type, image and identity; "optional" is an object or null.
util::Result<Claims> parse_payload(std::string_view payload);

struct Signature {
  std::string payload;
  std::string signature; // ASN.1 DER ECDSA signature of the payload
};

util::Result<Signature> sign_manifest(const PrivateKey& key, const Claims& claims, std::string_view creator,
                                      std::int64_t timestamp);

// Whether `signature` is `key`'s and claims exactly `expected`.
util::Result<void> verify(const PublicKey& key, const Signature& signature, const Claims& expected);

// The tag its signatures are stored under: "sha256-<hex>.sig".
std::string attachment_tag(std::string_view manifest_digest);

} // namespace pma::sign
