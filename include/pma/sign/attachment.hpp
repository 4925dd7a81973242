#pragma once

// Where sigstore signatures live (docs/signing.md): in the image's repository,
// under the tag "sha256-<hex>.sig", an OCI image manifest whose layers are the
// payloads (media type application/vnd.dev.cosign.simplesigning.v1+json), each
// with its signature in the annotation dev.cosignproject.cosign/signature,
// and whose config lists the payload digests as diff_ids — as containers/image
// writes and reads them.
#include <pma/sign/signature.hpp>
#include <pma/util/error.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace pma::sign {

inline constexpr std::string_view k_payload_media_type = "application/vnd.dev.cosign.simplesigning.v1+json";
inline constexpr std::string_view k_signature_annotation = "dev.cosignproject.cosign/signature";

// One signature layer of an attachment manifest, as listed there: the
// payload is a blob to fetch (and check against `payload_digest`).
struct AttachedLayer {
  std::string payload_digest;
  std::int64_t payload_size = 0;
  std::string signature; // ASN.1 DER, decoded from the annotation
};

struct Attachment {
  std::string config_digest;
  std::vector<AttachedLayer> layers;
};

// An attachment manifest's config and signature layers; layers of other
// types, or without a readable signature, are left out (as containers/image
// skips what it cannot use).
util::Result<Attachment> parse_attachment(std::string_view manifest);

// What to write so that the attachment holds `added` after what it has.
struct AttachmentUpdate {
  std::vector<std::string> payloads; // blobs to upload first
  std::string config;                // then this blob
  std::string manifest;              // then this manifest, under attachment_tag()
};

// `existing_manifest` and `existing_config` ("" for none: a new attachment)
// with `added` appended; a payload identical to one there (same bytes, same
// signature) is not added twice. Other fields of the existing documents are
// kept.
util::Result<AttachmentUpdate> append_signatures(std::string_view existing_manifest, std::string_view existing_config,
                                                 const std::vector<Signature>& added);

} // namespace pma::sign
