// The OCI image index (and Docker manifest list) as JSON. JSON boundary.
#include <pma/oci/index.hpp>
#include <pma/oci/media_types.hpp>

#include <nlohmann/json.hpp>

namespace pma::oci {

using json = nlohmann::json;
using util::ErrorClass;
using util::Result;

namespace {

std::string
string_at(const json& object, const char* key)
{
  const auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::string();
}

} // namespace

Result<Index>
parse_index(const std::string_view body)
{
  const auto root = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!root.is_object()) {
    return util::fail(ErrorClass::protocol, "unreadable manifest (not a JSON object)");
  }
  const auto annotations_of = [](const json& object) {
    std::map<std::string, std::string> out;
    if (const auto it = object.find("annotations"); it != object.end() && it->is_object()) {
      for (auto a = it->begin(); a != it->end(); ++a) {
        if (a.value().is_string()) {
          out[a.key()] = a.value().get<std::string>();
        }
      }
    }
    return out;
  };
  Index index;
  index.body = std::string(body);
  index.media_type = string_at(root, "mediaType");
  index.annotations = annotations_of(root);
  const auto manifests = root.find("manifests");
  if (manifests != root.end() && manifests->is_null()) {
    // "manifests": null is an empty list, or (podman 4.x) a single image seen as a list.
    index.is_list = media_type::is_list(index.media_type);
    return index;
  }
  if (manifests == root.end() || !manifests->is_array()) {
    return index; // a single image's manifest
  }
  index.is_list = true;
  for (const auto& item : *manifests) {
    if (!item.is_object()) {
      return util::fail(ErrorClass::protocol, "unreadable manifest list entry");
    }
    IndexEntry entry;
    entry.digest = string_at(item, "digest");
    entry.media_type = string_at(item, "mediaType");
    if (const auto size = item.find("size"); size != item.end() && size->is_number_integer()) {
      entry.size = size->get<int64_t>();
    }
    if (const auto platform = item.find("platform"); platform != item.end() && platform->is_object()) {
      entry.platform = Platform::normalized(string_at(*platform, "os"), string_at(*platform, "architecture"),
                                            string_at(*platform, "variant"));
    }
    entry.annotations = annotations_of(item);
    index.manifests.push_back(std::move(entry));
  }
  return index;
}

} // namespace pma::oci
