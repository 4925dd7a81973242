#pragma once

#include <pma/app/selection.hpp>
#include <pma/app/signing.hpp>
#include <pma/auth/credentials.hpp>
#include <pma/hosts/session.hpp>
#include <pma/libpod/client.hpp>
#include <pma/util/error.hpp>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

// podman's manifest verbs (podman-multiarch-manifest(1)), run on one host
// through its API: what each sends, with the same credentials and TLS rules
// as `build`. Each returns what podman prints (a list's ID) for the caller to
// print, or an error.
namespace pma::app {

// Where the verbs run: one host's podman service and what they send it.
struct ManifestHost {
  libpod::LibpodClient& client;
  std::string name; // the host's, for messages
  auth::CredentialStore credentials;
  std::vector<std::string> add_compression; // containers.conf's default of --add-compression
};

// A session with the first selected host (--host, else the configuration's
// default), with the credentials loaded.
class ManifestSession {
public:
  static util::Result<ManifestSession> open(const HostChoice& choice, const auth::AuthOptions& auth_options);

  ManifestHost&
  host()
  {
    return m_host;
  }

private:
  ManifestSession(std::unique_ptr<hosts::Session> session, auth::CredentialStore credentials,
                  std::vector<std::string> add_compression);

  std::unique_ptr<hosts::Session> m_session;
  ManifestHost m_host;
};

using libpod::EntryFields;

// --artifact and its options, as given (nullopt: not given).
struct ArtifactOptions {
  bool enabled = false; // --artifact
  std::optional<std::string> type;
  std::optional<std::string> config_file;
  std::optional<std::string> config_type;
  std::optional<std::string> layer_type;
  std::optional<std::string> subject;
  bool exclude_titles = false;
};

struct CreateRequest {
  std::string list;
  std::vector<std::string> images; // added right away, all or nothing
  bool amend = false;
  bool all = false;
  std::vector<std::string> annotations; // of the list, and of each image added
  std::optional<bool> tls_verify;
};

struct AddRequest {
  std::string list;
  std::vector<std::string> images; // with an artifact: its files
  bool all = false;
  EntryFields entry;
  ArtifactOptions artifact;
  std::optional<bool> tls_verify;
};

struct AnnotateRequest {
  std::string list;
  std::optional<std::string> entry; // its digest (or REF@DIGEST); none with index
  bool index = false;               // the list itself
  EntryFields fields;
};

struct PushRequest {
  std::string list;
  std::string destination; // empty: the list's own name
  bool all = true;
  std::optional<std::string> format; // oci or docker; none: the list's own
  std::optional<bool> tls_verify;
  bool remove_signatures = false;
  std::string compression_format;
  std::optional<int> compression_level;
  std::optional<std::vector<std::string>> add_compression; // comma lists; none: containers.conf's
  std::optional<bool> force_compression;
  std::function<void(std::string_view)> on_progress; // push progress lines; null: none
  bool allow_empty = false;
  int retries = 3;                        // --retry
  std::string retry_delay = "2s";         // --retry-delay, as given
  std::optional<std::string> digest_file; // --digestfile: written after the push
  bool remove_after = false;              // --rm
  // --sign-by-sigstore-private-key: pushed under a staging tag, the list and
  // its images signed for DESTINATION, which moves last (docs/signing.md).
  std::optional<SigningRequest> signing;
};

util::Result<std::string> create_list(ManifestHost& host, const CreateRequest& request);
util::Result<std::string> add_to_list(ManifestHost& host, const AddRequest& request);
util::Result<std::string> annotate_list(ManifestHost& host, const AnnotateRequest& request);
util::Result<std::string> remove_from_list(ManifestHost& host, const std::string& list, const std::string& digest);

// A local list's JSON, else what a registry serves for `name` (read here, or
// through the host where only it reaches the registry), as the service or
// registry wrote it.
util::Result<std::string> inspect_list(ManifestHost& host, const std::string& name, std::optional<bool> tls_verify);

// Pushes with retries; a list without images is refused unless allow_empty.
util::Result<void> push_list(ManifestHost& host, const PushRequest& request);

util::Result<libpod::RemoveReport> remove_lists(ManifestHost& host, const std::vector<std::string>& names, bool ignore);
util::Result<bool> list_exists(ManifestHost& host, const std::string& list);

} // namespace pma::app
