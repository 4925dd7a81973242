#pragma once

// Signed publishing (podman-multiarch-build(1), SIGNING; docs/signing.md): a
// list that podman pushed under a staging tag no one pulls is signed — the
// list and every image it names, for each tag it is about to get — the
// signatures written beside it as containers/image stores them and read back
// verified, and only then do the tags move to those exact bytes.
#include <pma/auth/credentials.hpp>
#include <pma/oci/reference.hpp>
#include <pma/registry/reader.hpp>
#include <pma/sign/key.hpp>
#include <pma/util/error.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace pma::job {

// A list as the registry serves it under its staging tag.
struct StagedList {
  oci::ImageRef staged; // repository:staging-tag
  std::string digest;
  std::string media_type;
  std::string bytes;
  std::vector<std::string> images; // the digests it lists
};

// What a signing pass wrote.
struct SignReport {
  int signed_manifests = 0; // digests given a new signature
  int kept = 0;             // digests that had a valid one for every tag already
  int signatures = 0;       // new signatures written
};

class ReleaseSigner {
public:
  virtual ~ReleaseSigner() = default;

  // Waits for the key (decrypted meanwhile: scrypt takes ~0.2 s); its error,
  // such as a wrong passphrase. The job calls it before anything is built.
  virtual util::Result<void>
  prepare()
  {
    return {};
  }

  // Reads the list at `staged`, signs it and each image it names for every
  // one of `tags` (all in `staged`'s repository), writes what is missing and
  // reads every signature back, verified with the key's public half. A
  // signature this key made already for the same tag and digest is kept (an
  // unchanged image keeps its signatures: nothing is appended every night).
  virtual util::Result<StagedList> sign(const oci::ImageRef& staged, const std::vector<oci::ImageRef>& tags,
                                        SignReport& report) = 0;
  // `tag` (in the list's repository) moved to `list`'s bytes.
  virtual util::Result<void> move_tag(const StagedList& list, const oci::ImageRef& tag) = 0;
  // The staging tag removed (the list stays, under the tags). false: the
  // registry deletes nothing, and the staging tag stays.
  virtual util::Result<bool> remove_staging(const oci::ImageRef& staged, const std::string& note) = 0;
};

// The identity a signature must claim for `tag` ("host/repo:tag", as
// containers/image compares it).
std::string signature_identity(const oci::ImageRef& tag);

// Whether the manifest `digest` of `repository` has, in its attachment, a
// signature by `key` that claims that digest and `identity` — or, with an
// empty identity, any tag of `repository` (what a pull by digest accepts).
util::Result<bool> has_signature(registry::Reader& reader, const oci::ImageRef& repository, const std::string& digest,
                                 const std::string& identity, const sign::PublicKey& key);

struct SignerOptions {
  bool tls_verify = true;
  std::string creator = "podman-multiarch"; // the payloads' "optional.creator"
  registry::HttpFactory http;               // empty: real connections (tests inject fakes)
};

// The signer that writes to the registries themselves (registry::Writer);
// `decrypt` runs at once on a thread of its own (prepare() waits for it).
std::unique_ptr<ReleaseSigner> make_registry_signer(const auth::CredentialStore& credentials,
                                                    std::function<util::Result<sign::PrivateKey>()> decrypt,
                                                    SignerOptions options);

} // namespace pma::job
