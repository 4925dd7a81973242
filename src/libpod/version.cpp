#include <pma/libpod/version.hpp>

#include <fmt/format.h>

#include <charconv>

namespace pma::libpod {

std::optional<Version>
Version::parse(std::string_view text)
{
  if (text.starts_with('v')) {
    text.remove_prefix(1);
  }
  int values[3] = {0, 0, 0};
  size_t count = 0;
  while (count < 3) {
    int value = 0;
    const auto [next, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || value < 0) {
      break;
    }
    values[count++] = value;
    text.remove_prefix(static_cast<size_t>(next - text.data()));
    if (!text.starts_with('.')) {
      break;
    }
    text.remove_prefix(1);
  }
  if (count < 2) {
    return std::nullopt;
  }
  return Version{values[0], values[1], values[2]};
}

std::string
Version::to_string() const
{
  return fmt::format("{}.{}.{}", major, minor, patch);
}

Capabilities::Capabilities(const Version v)
  : version(v)
  , manifest_push_route(v >= Version{4, 1, 0})
  , manifest_modify_auth(v >= Version{4, 1, 0})
  , build_tls_verify(v >= Version{4, 1, 0})
  , push_quiet_param(v >= Version{4, 2, 0})
  , manifest_amend(v >= Version{4, 3, 0})
  , manifest_push_quiet_param(v >= Version{4, 3, 0})
  , instance_annotation_map(v >= Version{4, 4, 0})
  , manifest_inspect_tls_verify(v >= Version{4, 4, 0})
  , manifest_inspect_auth(v >= Version{4, 6, 0})
  , push_compression_level(v >= Version{4, 6, 0})
  , push_add_compression(v >= Version{4, 7, 0})
  , host_variant(v >= Version{4, 8, 0})
  , push_digest(v >= Version{4, 9, 0})
  , index_annotations_create(v >= Version{5, 0, 0})
  , manifest_artifacts(v >= Version{5, 0, 0})
  , comma_platforms(v >= Version{5, 3, 0})
  , oci_inspect_media_type(v >= Version{5, 3, 0})
  , index_annotate(v >= Version{5, 4, 0})
  , manifest_delete_ignore(v >= Version{5, 4, 0})
  , emulated_architectures(v >= Version{5, 6, 0})
{
}

} // namespace pma::libpod
