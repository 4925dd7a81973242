#pragma once

#include <pma/util/error.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace pma::oci {

// An OCI platform, normalised the way podman (containers/common libimage) and
// containerd do: Go architecture names, arm64 implies variant v8, arm implies v7.
struct Platform {
  std::string os;
  std::string architecture;
  std::string variant;

  // Parses "os/arch[/variant]" (also "os/arch/variant" with aliases such as
  // x86_64, aarch64, armhf, ppc64el). Errors are of class usage.
  static util::Result<Platform> parse(std::string_view text);

  // Normalises the raw triple as reported by an image config or /info.
  static Platform normalized(std::string_view os, std::string_view arch, std::string_view variant);

  // "linux/arm64/v8", "linux/amd64".
  std::string to_string() const;

  bool operator==(const Platform&) const = default;
  auto operator<=>(const Platform&) const = default; // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads <=>
};

// "linux/amd64", … for each platform.
std::vector<std::string> to_strings(const std::vector<Platform>& platforms);

} // namespace pma::oci
