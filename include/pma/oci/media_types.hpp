#pragma once

#include <string_view>

// The media types of the OCI image spec and Docker's schema 2, spelled once.
namespace pma::oci::media_type {

inline constexpr std::string_view oci_index = "application/vnd.oci.image.index.v1+json";
inline constexpr std::string_view oci_manifest = "application/vnd.oci.image.manifest.v1+json";
inline constexpr std::string_view docker_list = "application/vnd.docker.distribution.manifest.list.v2+json";
inline constexpr std::string_view docker_manifest = "application/vnd.docker.distribution.manifest.v2+json";

// Every manifest type a reader accepts, lists first (an Accept header).
inline constexpr std::string_view k_accept_any =
    "application/vnd.oci.image.index.v1+json, application/vnd.docker.distribution.manifest.list.v2+json, "
    "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";

// Whether `type` is a list's (an OCI index or a Docker manifest list).
constexpr bool
is_list(const std::string_view type)
{
  return type == oci_index || type == docker_list;
}

// The list type for podman's --format ("docker", else OCI).
constexpr std::string_view
list_for_format(const std::string_view format)
{
  return format == "docker" ? docker_list : oci_index;
}

// The image manifest type for podman's --format ("docker", else OCI).
constexpr std::string_view
manifest_for_format(const std::string_view format)
{
  return format == "docker" ? docker_manifest : oci_manifest;
}

} // namespace pma::oci::media_type
