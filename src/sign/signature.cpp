// Sigstore signatures of image manifests (signature.hpp, docs/signing.md).
#include <pma/sign/signature.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pma::sign {

using util::ErrorClass;
using util::Result;

namespace {

constexpr std::string_view k_type = "cosign container image signature";

} // namespace

std::string
payload(const Claims& claims, const std::string_view creator, const std::int64_t timestamp)
{
  // nlohmann::json keeps object keys sorted, as Go's encoding of maps does.
  const nlohmann::json out = {{"critical",
                               {{"identity", {{"docker-reference", claims.docker_reference}}},
                                {"image", {{"docker-manifest-digest", claims.manifest_digest}}},
                                {"type", k_type}}},
                              {"optional", {{"creator", creator}, {"timestamp", timestamp}}}};
  return out.dump();
}

Result<Claims>
parse_payload(const std::string_view payload)
{
  const auto refuse = [](const std::string& why) {
    return util::fail(ErrorClass::api, fmt::format("not a sigstore signature payload: {}", why));
  };
  const auto root = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object() || !root.contains("critical") || !root["critical"].is_object()) {
    return refuse("no \"critical\" object");
  }
  if (root.contains("optional") && !root["optional"].is_object() && !root["optional"].is_null()) {
    return refuse("\"optional\" is neither an object nor null");
  }
  const auto& critical = root["critical"];
  const auto exactly = [](const nlohmann::json& object, const std::string& key) {
    return object.is_object() && object.size() == 1 && object.contains(key) && object[key].is_string();
  };
  if (critical.size() != 3 || !critical.contains("type") || critical["type"] != k_type) {
    return refuse(R"("critical" must hold exactly type ("cosign container image signature"), image and identity)");
  }
  if (!critical.contains("image") || !exactly(critical["image"], "docker-manifest-digest") ||
      !critical.contains("identity") || !exactly(critical["identity"], "docker-reference")) {
    return refuse("\"critical\" must hold exactly type, image.docker-manifest-digest and identity.docker-reference");
  }
  return Claims{critical["identity"]["docker-reference"].get<std::string>(),
                critical["image"]["docker-manifest-digest"].get<std::string>()};
}

Result<Signature>
sign_manifest(const PrivateKey& key, const Claims& claims, const std::string_view creator, const std::int64_t timestamp)
{
  Signature out{payload(claims, creator, timestamp), {}};
  PMA_TRY_ASSIGN(out.signature, key.sign(out.payload));
  return out;
}

Result<void>
verify(const PublicKey& key, const Signature& signature, const Claims& expected)
{
  if (!key.verifies(signature.payload, signature.signature)) {
    return util::fail(ErrorClass::api, "the signature is not this key's");
  }
  PMA_TRY_ASSIGN(const Claims claims, parse_payload(signature.payload));
  if (claims.manifest_digest != expected.manifest_digest) {
    return util::fail(ErrorClass::api,
                      fmt::format("the signature is for {}, not {}", claims.manifest_digest, expected.manifest_digest));
  }
  if (claims.docker_reference != expected.docker_reference) {
    return util::fail(ErrorClass::api, fmt::format("the signature names {}, not {}", claims.docker_reference,
                                                   expected.docker_reference));
  }
  return {};
}

std::string
attachment_tag(const std::string_view manifest_digest)
{
  std::string tag(manifest_digest);
  if (const size_t colon = tag.find(':'); colon != std::string::npos) {
    tag[colon] = '-';
  }
  return tag + ".sig";
}

} // namespace pma::sign
