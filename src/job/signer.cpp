// Signing a staged list and moving its tags (signer.hpp, docs/signing.md).
#include <pma/job/signer.hpp>
#include <pma/oci/digest.hpp>
#include <pma/oci/index.hpp>
#include <pma/oci/media_types.hpp>
#include <pma/registry/writer.hpp>
#include <pma/sign/attachment.hpp>
#include <pma/sign/signature.hpp>
#include <pma/util/strings.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <future>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

namespace pma::job {

using util::ErrorClass;
using util::Result;

namespace {

// A signature payload is a few hundred bytes.
constexpr size_t k_max_payload = size_t{64} << 10;

// The identities ("host/repo:tag") that `layers` (of `repository`'s
// attachment for `digest`) hold a valid signature by `key` for; each payload
// is read once.
Result<std::set<std::string>>
signed_identities(registry::Reader& reader, const oci::ImageRef& repository,
                  const std::vector<sign::AttachedLayer>& layers, const std::string& digest, const sign::PublicKey& key)
{
  std::set<std::string> out;
  for (const auto& layer : layers) {
    if (layer.payload_size > static_cast<std::int64_t>(k_max_payload)) {
      continue;
    }
    PMA_TRY_ASSIGN(const auto payload, reader.blob(repository, layer.payload_digest, k_max_payload));
    const auto claims = sign::parse_payload(payload);
    if (claims && claims->manifest_digest == digest && key.verifies(payload, layer.signature)) {
      out.insert(claims->docker_reference);
    }
  }
  return out;
}

class RegistrySigner : public ReleaseSigner {
public:
  RegistrySigner(const auth::CredentialStore& credentials, std::function<Result<sign::PrivateKey>()> decrypt,
                 SignerOptions options)
    : m_credentials(credentials)
    , m_options(std::move(options))
    , m_writer(make_writer())
    , m_decrypting(std::async(std::launch::async, std::move(decrypt)))
  {
  }

  Result<void>
  prepare() override
  {
    if (m_decrypting.valid()) {
      if (auto ok = take_key(m_decrypting.get()); !ok) {
        m_key_error = std::move(ok).error();
      }
    }
    if (m_key_error) {
      return util::Unexpected(*m_key_error);
    }
    return {};
  }

  Result<StagedList>
  sign(const oci::ImageRef& staged, const std::vector<oci::ImageRef>& tags, SignReport& report) override
  {
    PMA_TRY(prepare());
    auto writer = make_writer();
    PMA_TRY_ASSIGN(auto manifest, writer.manifest(staged));
    PMA_TRY_ASSIGN(const auto index, oci::parse_index(manifest.bytes));
    StagedList list{staged, manifest.digest, manifest.media_type, std::move(manifest.bytes), {}};
    for (const auto& entry : index.manifests) {
      list.images.push_back(entry.digest);
    }
    std::vector<std::string> digests = list.images;
    digests.push_back(list.digest);
    // One thread per manifest: each attachment is its own read-modify-write.
    std::vector<Result<SignReport>> results(digests.size(), SignReport{});
    std::vector<std::thread> threads;
    threads.reserve(digests.size());
    for (size_t i = 0; i < digests.size(); ++i) {
      // Each with its own copy of the writer, authenticated already.
      threads.emplace_back([&, i, copy = writer]() mutable { results[i] = sign_one(copy, staged, digests[i], tags); });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    for (auto& result : results) {
      if (!result) {
        return util::Unexpected(std::move(result).error());
      }
      report.signed_manifests += result->signed_manifests;
      report.kept += result->kept;
      report.signatures += result->signatures;
    }
    return list;
  }

  Result<void>
  move_tag(const StagedList& list, const oci::ImageRef& tag) override
  {
    PMA_TRY(m_writer.put_manifest(tag, list.media_type, list.bytes));
    return {};
  }

  Result<bool>
  remove_staging(const oci::ImageRef& staged, const std::string& note) override
  {
    return m_writer.remove_tag(staged, note);
  }

private:
  // The decrypted key and its public half, kept.
  Result<void>
  take_key(Result<sign::PrivateKey> key)
  {
    PMA_TRY_ASSIGN(auto private_key, std::move(key));
    PMA_TRY_ASSIGN(const auto pem, private_key.public_pem());
    PMA_TRY_ASSIGN(auto public_key, sign::PublicKey::parse(pem, "the signing key's public half"));
    m_key.emplace(std::move(private_key));
    m_public.emplace(std::move(public_key));
    return {};
  }

  registry::Writer
  make_writer() const
  {
    registry::ReaderOptions options{.tls_verify = m_options.tls_verify};
    options.http = m_options.http;
    return {m_credentials, std::move(options)};
  }

  Result<SignReport>
  sign_one(registry::Writer& writer, const oci::ImageRef& staged, const std::string& digest,
           const std::vector<oci::ImageRef>& tags) const
  {
    const oci::ImageRef attachment = staged.with_tag(sign::attachment_tag(digest));
    PMA_TRY_ASSIGN(const auto existing, writer.find(attachment));
    sign::Attachment current;
    std::string config;
    if (existing) {
      PMA_TRY_ASSIGN(current, sign::parse_attachment(existing->bytes));
      PMA_TRY_ASSIGN(config, writer.blob(staged, current.config_digest, k_max_payload));
    }
    PMA_TRY_ASSIGN(const auto already, signed_identities(writer, staged, current.layers, digest, *m_public));
    SignReport report;
    std::vector<sign::Signature> added;
    const auto now =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch());
    for (const auto& tag : tags) {
      const sign::Claims claims{signature_identity(tag), digest};
      if (!already.contains(claims.docker_reference)) {
        PMA_TRY_ASSIGN(auto signature, sign::sign_manifest(*m_key, claims, m_options.creator, now.count()));
        added.push_back(std::move(signature));
      }
    }
    if (added.empty()) {
      report.kept = 1;
      return report;
    }
    PMA_TRY_ASSIGN(const auto update,
                   sign::append_signatures(existing ? std::string_view(existing->bytes) : "", config, added));
    // The payloads (new: each has a timestamp) and the config (it lists them)
    // at once: over a real network each upload is two round trips.
    std::vector<const std::string*> blobs{&update.config};
    for (const auto& payload : update.payloads) {
      blobs.push_back(&payload);
    }
    std::vector<Result<std::string>> uploaded(blobs.size(), std::string());
    std::vector<std::thread> uploads;
    uploads.reserve(blobs.size() - 1);
    for (size_t i = 1; i < blobs.size(); ++i) {
      uploads.emplace_back([&, i, copy = writer]() mutable {
        uploaded[i] = copy.put_blob(staged, *blobs[i], /*skip_if_present=*/false);
      });
    }
    uploaded[0] = writer.put_blob(staged, *blobs[0], /*skip_if_present=*/false);
    for (auto& thread : uploads) {
      thread.join();
    }
    for (auto& result : uploaded) {
      PMA_TRY(result);
    }
    PMA_TRY(writer.put_manifest(attachment, std::string(oci::media_type::oci_manifest), update.manifest));
    // Read back: the attachment the registry serves now lists each new
    // signature (its payload stored under its digest, which the registry
    // checked on upload), and each verifies.
    PMA_TRY_ASSIGN(const auto stored, writer.manifest(attachment));
    PMA_TRY_ASSIGN(const auto stored_attachment, sign::parse_attachment(stored.bytes));
    for (const auto& signature : added) {
      const std::string payload_digest = oci::digest_of(signature.payload);
      const bool listed = std::any_of(
          stored_attachment.layers.begin(), stored_attachment.layers.end(), [&](const sign::AttachedLayer& layer) {
            return layer.payload_digest == payload_digest && layer.signature == signature.signature;
          });
      PMA_TRY_ASSIGN(const auto claims, sign::parse_payload(signature.payload));
      if (!listed || !sign::verify(*m_public, signature, claims)) {
        return util::fail(ErrorClass::registry,
                          fmt::format("{}: the signature of {} for {} was not found valid after writing it",
                                      staged.name(), digest, claims.docker_reference));
      }
    }
    report.signed_manifests = 1;
    report.signatures = static_cast<int>(added.size());
    return report;
  }

  const auth::CredentialStore& m_credentials;
  SignerOptions m_options;
  registry::Writer m_writer; // tag moves and staging removal, one at a time: authenticated once
  std::future<Result<sign::PrivateKey>> m_decrypting;
  std::optional<sign::PrivateKey> m_key; // once prepare() got it
  std::optional<sign::PublicKey> m_public;
  std::optional<util::Error> m_key_error;
};

} // namespace

std::string
signature_identity(const oci::ImageRef& tag)
{
  return tag.name() + ":" + (tag.tag.empty() ? "latest" : tag.tag);
}

Result<bool>
has_signature(registry::Reader& reader, const oci::ImageRef& repository, const std::string& digest,
              const std::string& identity, const sign::PublicKey& key)
{
  PMA_TRY_ASSIGN(const auto attachment, reader.find(repository.with_tag(sign::attachment_tag(digest))));
  if (!attachment) {
    return false;
  }
  PMA_TRY_ASSIGN(const auto parsed, sign::parse_attachment(attachment->bytes));
  PMA_TRY_ASSIGN(const auto identities, signed_identities(reader, repository, parsed.layers, digest, key));
  return std::any_of(identities.begin(), identities.end(), [&](const std::string& signed_for) {
    return identity.empty() ? signed_for.starts_with(repository.name() + ":") : signed_for == identity;
  });
}

std::unique_ptr<ReleaseSigner>
make_registry_signer(const auth::CredentialStore& credentials, std::function<Result<sign::PrivateKey>()> decrypt,
                     SignerOptions options)
{
  return std::make_unique<RegistrySigner>(credentials, std::move(decrypt), std::move(options));
}

} // namespace pma::job
