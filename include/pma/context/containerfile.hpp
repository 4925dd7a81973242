#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pma::context {

// An image a Containerfile names (FROM, COPY/ADD --from=IMAGE).
struct BaseReference {
  // With ARG defaults, `build_args` and `automatic` substituted:
  // "alpine:3.20", "127.0.0.1:5000/lab/busybox:latest".
  std::string text;
  // As written ("$BASE"): podman 4.3 to 5.4 match an additional build
  // context's name against this text only (docs/podman-quirks.md).
  std::string written;
  std::string platform; // FROM --platform=…, substituted; "" if none

  bool operator==(const BaseReference&) const = default;
  auto operator<=>(const BaseReference&) const = default; // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads <=>
};

// Every image the Containerfile names, each written text once (sorted). `automatic`:
// arguments the builder declares itself (TARGETPLATFORM, BUILDARCH, …).
std::vector<BaseReference> base_references(std::string_view containerfile,
                                           const std::map<std::string, std::string>& build_args,
                                           const std::map<std::string, std::string>& automatic = {});

// The images a Containerfile pulls: every FROM (and COPY --from=image) that
// names an image, with ARG defaults and `build_args` substituted, normalised
// as podman reads them (no registry: docker.io). Stage names are skipped.
std::vector<std::string> base_images(std::string_view containerfile,
                                     const std::map<std::string, std::string>& build_args);

} // namespace pma::context
