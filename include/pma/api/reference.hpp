#pragma once

#include <pma/util/error.hpp>

#include <string>
#include <string_view>

namespace pma::api {

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

  std::string name() const;                           // registry/repository
  std::string to_string() const;                      // as parsed, normalised
  ImageRef with_tag(std::string new_tag) const;       // digest cleared
  ImageRef with_digest(std::string new_digest) const; // tag cleared

  bool operator==(const ImageRef&) const = default;
};

// Whether `text` is a valid tag.
bool is_valid_tag(std::string_view text);

// Whether `text` is "sha256:" followed by 64 lowercase hex digits.
bool is_sha256_digest(std::string_view text);

} // namespace pma::api
