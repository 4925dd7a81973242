// Sigstore attachment manifests (attachment.hpp), written as containers/image
// writes them (docker/docker_image_dest.go, putSignaturesToSigstoreAttachments).
#include <pma/oci/digest.hpp>
#include <pma/oci/media_types.hpp>
#include <pma/sign/attachment.hpp>
#include <pma/util/base64.hpp>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace pma::sign {

using util::ErrorClass;
using util::Result;
using Json = nlohmann::ordered_json; // the documents keep their fields' order

namespace {

constexpr std::string_view k_config_media_type = "application/vnd.oci.image.config.v1+json";

Result<Json>
parse_object(const std::string_view text, const char* what)
{
  auto root = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) {
    return util::fail(ErrorClass::protocol, fmt::format("the signature attachment's {} is not a JSON object", what));
  }
  return root;
}

} // namespace

Result<Attachment>
parse_attachment(const std::string_view manifest)
{
  PMA_TRY_ASSIGN(const Json root, parse_object(manifest, "manifest"));
  Attachment out;
  if (const auto config = root.find("config"); config != root.end() && config->is_object()) {
    out.config_digest = config->value("digest", "");
  }
  const auto layers = root.find("layers");
  if (layers == root.end() || !layers->is_array()) {
    return out;
  }
  for (const auto& layer : *layers) {
    if (!layer.is_object() || layer.value("mediaType", "") != k_payload_media_type || !layer.contains("annotations") ||
        !layer["annotations"].is_object()) {
      continue;
    }
    const auto& annotations = layer["annotations"];
    const auto encoded = annotations.find(std::string(k_signature_annotation));
    const auto size = layer.find("size");
    if (encoded == annotations.end() || !encoded->is_string() || size == layer.end() || !size->is_number_integer()) {
      continue;
    }
    auto signature = util::base64_decode(encoded->get<std::string>());
    const std::string digest = layer.value("digest", "");
    if (!signature || !oci::is_sha256_digest(digest)) {
      continue;
    }
    out.layers.push_back({digest, size->get<std::int64_t>(), std::move(*signature)});
  }
  return out;
}

Result<AttachmentUpdate>
append_signatures(const std::string_view existing_manifest, const std::string_view existing_config,
                  const std::vector<Signature>& added)
{
  Json manifest;
  Json config;
  if (existing_manifest.empty()) {
    manifest = {{"schemaVersion", 2},
                {"mediaType", oci::media_type::oci_manifest},
                {"config", {{"mediaType", k_config_media_type}, {"digest", ""}, {"size", 0}}},
                {"layers", Json::array()}};
    config = {{"architecture", ""}, {"os", ""}, {"config", Json::object()}, {"rootfs", {{"type", "layers"}}}};
  } else {
    PMA_TRY_ASSIGN(manifest, parse_object(existing_manifest, "manifest"));
    PMA_TRY_ASSIGN(config, parse_object(existing_config, "config"));
  }
  if (!manifest.contains("layers") || !manifest["layers"].is_array()) {
    manifest["layers"] = Json::array();
  }
  if (!config.contains("rootfs") || !config["rootfs"].is_object()) {
    config["rootfs"] = {{"type", "layers"}};
  }
  auto& diff_ids = config["rootfs"]["diff_ids"];
  if (!diff_ids.is_array()) {
    diff_ids = Json::array();
  }
  AttachmentUpdate update;
  for (const auto& signature : added) {
    const std::string digest = oci::digest_of(signature.payload);
    const std::string encoded = util::base64_encode(signature.signature, /*url_safe=*/false);
    Json layer = {{"mediaType", k_payload_media_type},
                  {"digest", digest},
                  {"size", signature.payload.size()},
                  {"annotations", {{k_signature_annotation, encoded}}}};
    bool there = false;
    for (const auto& existing : manifest["layers"]) {
      there = there || existing == layer;
    }
    if (there) {
      continue;
    }
    manifest["layers"].push_back(std::move(layer));
    diff_ids.push_back(digest);
    update.payloads.push_back(signature.payload);
  }
  update.config = config.dump();
  manifest["config"]["mediaType"] = k_config_media_type;
  manifest["config"]["digest"] = oci::digest_of(update.config);
  manifest["config"]["size"] = update.config.size();
  update.manifest = manifest.dump();
  return update;
}

} // namespace pma::sign
