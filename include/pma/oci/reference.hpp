#pragma once

#include <pma/util/error.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace pma::oci {

// The transport prefix of a registry reference, as containers/image spells it.
inline constexpr std::string_view k_docker_transport = "docker://";

// `text` without a leading "docker://".
std::string_view without_docker_transport(std::string_view text);

// "docker://" + `reference`, unless it already has a transport.
std::string with_docker_transport(std::string_view reference);

// A fully qualified image reference, "registry/path[:tag][@digest]", with the
// grammar of github.com/distribution/reference. podman-multiarch publishes to
// registries, so the registry must be explicit (no docker.io guessing).
struct ImageRef {
  std::string registry;   // "quay.io", "127.0.0.1:5000", "[::1]:5000", "localhost"
  std::string repository; // "acme/app"
  std::string tag;        // may be empty
  std::string digest;     // "sha256:…", may be empty

  // Errors are of class usage and say what is wrong and where.
  static util::Result<ImageRef> parse(std::string_view text);

  // parse() with docker's normalisation of names without a registry
  // ("alpine" → docker.io/library/alpine, "acme/app" → docker.io/acme/app),
  // as `docker://` references are read by podman.
  static util::Result<ImageRef> parse_normalized(std::string_view text);

  std::string name() const;                           // registry/repository
  std::string to_string() const;                      // as parsed, normalised
  ImageRef with_tag(std::string new_tag) const;       // digest cleared
  ImageRef with_digest(std::string new_digest) const; // tag cleared
  std::string transport_string() const;               // "docker://" + to_string()

  bool operator==(const ImageRef&) const = default;
};

// An image as podman's commands take it: "[TRANSPORT:]REFERENCE", with the
// transports of containers/image (alltransports.ParseImageName): "docker://…",
// "containers-storage:…", "oci:…", "oci-archive:…", "docker-archive:…",
// "dir:…", "docker-daemon:…", "sif:…", "tarball:…". Text whose part before the
// first ':' is no transport ("quay.io/app:1", "127.0.0.1:5000/app") has none:
// podman then reads it as a registry reference, as if "docker://" preceded it.
struct TransportRef {
  std::string transport; // "docker", "containers-storage", …; "" when none was given
  std::string reference; // what follows "TRANSPORT:" ("docker://" for docker)

  static TransportRef parse(std::string_view text);

  // Whether it names an image in a registry (docker transport, or none).
  bool
  names_registry() const
  {
    return transport.empty() || transport == "docker";
  }

  // The registry image it names, normalised as containers/image's docker
  // transport does (no registry: docker.io; one component there: library/).
  // nullopt for other transports and for text that is no valid reference.
  std::optional<ImageRef> registry_image() const;

  // As given: "docker://quay.io/app:1", "containers-storage:app", "quay.io/app:1".
  std::string to_string() const;
};

// Whether `text` is a valid tag.
bool is_valid_tag(std::string_view text);

} // namespace pma::oci
