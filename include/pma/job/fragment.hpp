#pragma once

#include <pma/oci/platform.hpp>
#include <pma/oci/reference.hpp>

#include <chrono>
#include <map>
#include <string>
#include <utility>
#include <vector>

// A fragment (podman-multiarch-build(1), FRAGMENTS): what one run built and
// pushed by digest without publishing a list, for `publish` to merge with the
// fragments of other runners. Plain data: app/ reads and writes it as JSON.
namespace pma::job {

// The format version a fragment file states; a reader refuses any other.
inline constexpr int k_fragment_version = 1;

// One image in the registry, pushed by digest (or to a staging tag on podman
// < 4.9: its digest is known all the same, from the push).
struct FragmentImage {
  oci::Platform platform;
  std::string digest;      // "sha256:…"
  oci::ImageRef reference; // repository@digest
  std::string staging_tag; // the tag it was pushed to on podman < 4.9; empty: by digest
  std::string host;
  std::string podman_version;
  std::chrono::milliseconds duration{0};
  // Its fingerprint as list entry annotations (incremental builds):
  // `publish` puts them on its entry. Empty: none recorded.
  std::map<std::string, std::string> inputs;

  bool operator==(const FragmentImage&) const = default;
};

// One list to publish: its tags and the platforms it was asked to have.
struct FragmentTarget {
  std::string name;                                // build: the first tag's repository path ("acme/app")
  std::vector<oci::ImageRef> tags;                 // where the list goes
  std::vector<oci::Platform> platforms;            // asked for, built or not
  std::string format = "oci";                      // oci or docker: the images', and the list's by default
  std::vector<std::string> index_annotations;      // "k=v", on the list
  std::vector<std::string> descriptor_annotations; // "k=v", on every entry
  std::vector<FragmentImage> images;

  bool operator==(const FragmentTarget&) const = default;
};

// Who produced it: the machine and, on a CI service, its job.
struct Runner {
  std::string hostname;
  // CI variables that identify the job (GITHUB_RUN_ID, CI_JOB_ID, …), by name;
  // only known names: GITHUB_TOKEN and CI_JOB_TOKEN are never recorded.
  std::vector<std::pair<std::string, std::string>> ci;

  bool operator==(const Runner&) const = default;
};

struct Fragment {
  int version = k_fragment_version;
  std::string run_id;       // the producing run's ("SECONDS-RANDOM", as in its names on hosts)
  std::string tool_version; // podman-multiarch's
  std::string created;      // RFC 3339, UTC
  Runner runner;
  std::vector<FragmentTarget> targets;

  bool operator==(const Fragment&) const = default;
};

// "acme/app" for quay.io/acme/app:1.4: the name `build --fragment` gives its target.
std::string fragment_target_name(const oci::ImageRef& first_tag);

} // namespace pma::job
