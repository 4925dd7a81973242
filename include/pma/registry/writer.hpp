#pragma once

// The few registry writes podman's API does not offer (docs/signing.md):
// signature attachments (blobs and their manifest) and moving a tag to a
// manifest that is already in the repository, byte for byte. Images and lists
// themselves are pushed by podman. Same credentials, TLS trust and
// --tls-verify rules as the Reader; tokens are asked for "pull,push".
#include <pma/registry/reader.hpp>

#include <string>
#include <string_view>

namespace pma::registry {

class Writer : public Reader {
public:
  Writer(const auth::CredentialStore& credentials, ReaderOptions options);

  // `bytes` as a blob of `repository` (with `skip_if_present`, HEAD first: a
  // blob already there is not sent again); its digest.
  util::Result<std::string> put_blob(const oci::ImageRef& repository, std::string_view bytes,
                                     bool skip_if_present = true);

  // PUT /v2/<repository>/manifests/<tag or digest> with Content-Type
  // `media_type`; the digest of `bytes`, checked against the registry's.
  util::Result<std::string> put_manifest(const oci::ImageRef& ref, const std::string& media_type,
                                         const std::string& bytes);

  // Removes tag `ref`, never what it points to: DELETE of the tag where the
  // registry allows it (OCI distribution 1.1, distribution 3), else the tag is
  // moved onto a small manifest of its own (`note` makes it unique) that is
  // then deleted by digest, which removes its tags (distribution 2.x). false:
  // the registry deletes nothing (deletion disabled); the tag stays.
  util::Result<bool> remove_tag(const oci::ImageRef& ref, const std::string& note);
};

} // namespace pma::registry
