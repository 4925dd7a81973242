#pragma once

// Incremental builds (podman-multiarch-build(1), INCREMENTAL BUILDS): what
// decides one platform's image, as one digest and its parts, recorded on the
// image's list entry so that the next run — elsewhere, from another checkout
// — can tell whether building it again would change anything. Pure functions.
#include <pma/oci/platform.hpp>

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pma::job {

struct BuildOptions;
struct PlatformResult;

// The annotations of a list entry that carry its image's fingerprint.
inline constexpr std::string_view k_inputs_annotation = "io.podman-multiarch.inputs";
inline constexpr std::string_view k_inputs_context_annotation = "io.podman-multiarch.inputs.context";
inline constexpr std::string_view k_inputs_containerfile_annotation = "io.podman-multiarch.inputs.containerfile";
inline constexpr std::string_view k_inputs_options_annotation = "io.podman-multiarch.inputs.options";
inline constexpr std::string_view k_inputs_bases_annotation = "io.podman-multiarch.inputs.bases";

struct Fingerprint {
  std::string digest;        // "sha256:…" over the platform and everything below
  std::string context;       // context::fingerprint() of what the build sends
  std::string containerfile; // "sha256:…" of the Containerfile's text
  std::string options;       // "sha256:…" of options_text()
  // Every image the build starts from, by the name the build gives it, and the
  // digest it was pinned to for this platform: the Containerfile's text
  // ("quay.io/acme/base:1"), a build context ("context:NAME"), a release
  // target ("target:NAME": that target's fingerprint).
  std::map<std::string, std::string> bases;
  // Bases that could not be pinned, each with why: the image is built every
  // time, and its fingerprint is not recorded.
  std::vector<std::string> unpinned;

  bool operator==(const Fingerprint&) const = default;
};

// The options of a build for `platform` that change its image, one per
// line in a fixed order: the format, --squash-all, the target, the build
// arguments (sorted), labels and annotations (in order), secret ids (not
// their values), every forwarded option but those that only steer caching
// and retries. Neither tags nor the list's annotations: they change the
// list, not the image.
std::string options_text(const BuildOptions& options, const oci::Platform& platform);

// Fills `parts.digest` from the platform and the other parts.
void seal(Fingerprint& parts, const oci::Platform& platform);

// The list entry annotations that record `fingerprint`, by key.
std::map<std::string, std::string> fingerprint_annotations(const Fingerprint& fingerprint);

// Every annotation ("key=value") a run gives `image`'s list entry: the
// descriptor annotations of `options`, and its fingerprint where it has a
// whole one.
std::vector<std::string> entry_annotations(const BuildOptions& options, const PlatformResult& image);

// A fingerprint read back from a list entry's annotations; nullopt when the
// entry records none.
std::optional<Fingerprint> fingerprint_from(const std::map<std::string, std::string>& annotations);

// Why a platform whose image recorded `before` (null: none) is built with
// `now`: "unchanged"; "built" (nothing to compare with); "built: not pinned
// (…)"; "rebuilt: base NAME sha256:… → sha256:…; context changed" and so on.
std::string change_between(const Fingerprint* before, const Fingerprint& now);

// "sha256:0123456789ab" (the first 12 hex digits), as summaries show digests.
std::string abbreviated(const std::string& digest);

} // namespace pma::job
