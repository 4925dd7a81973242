#pragma once

#include <pma/job/fragment.hpp>
#include <pma/job/run.hpp>

#include <optional>
#include <string>
#include <utility>
#include <vector>

// `publish` (podman-multiarch-publish(1)): the lists of images other runs
// built and pushed (their fragments), under the publishing rules of `build`.
// A publish is a build job whose platforms are done already: the same rules,
// list assembly, tag checks and verification.
namespace pma::job {

// A fragment and where it came from (its file, named in messages).
struct FragmentSource {
  std::string source;
  Fragment fragment;
};

struct PublishOptions {
  std::vector<FragmentSource> fragments;
  std::vector<oci::ImageRef> tags;      // --tag: the list's tags instead of the fragments' (one target only)
  std::vector<oci::Platform> platforms; // --platform: exactly the platforms every list must have
  bool allow_partial = false;
  std::vector<oci::Platform> required; // --require
  bool allow_shrink = false;
  std::string format; // --format: oci or docker; empty: the fragments'
  std::optional<bool> tls_verify;
  std::string manifest_host;
  util::RetryPolicy retry;
  bool cleanup = true;
};

struct PublishedTarget {
  std::string name;
  std::vector<std::string> fragments; // the sources of its images, in order
  // Its images as `platforms` (host, digest, pushed_to, duration from the
  // fragments; failed: missing, not in the registry, mislabelled), its list.
  BuildOutcome outcome;
};

struct PublishOutcome {
  std::vector<PublishedTarget> targets; // in the order the fragments name them
  std::string coordinator;              // the host that assembled the lists
  // Names the run gave on hosts that did not answer its cleanup in time, by host.
  std::vector<std::pair<std::string, std::vector<std::string>>> left_behind;
  util::ExitStatus exit_status = util::ExitStatus::success;
  std::optional<util::Error> error; // why nothing (or not everything) was published
};

// Merges the fragments per target, checks every image in the registry
// (present at its digest, of the platform its fragment says), applies the
// publishing rules to all targets before any list moves, then assembles each
// list on a coordinator among `hosts`, pushes it to its tags and verifies it.
PublishOutcome run_publish(const PublishOptions& options, const std::vector<config::Host>& hosts,
                           const hosts::ConnectOptions& connect, const auth::CredentialStore& credentials,
                           Progress& progress, ReleaseSigner* signer = nullptr);

// The same in `environment` (tests: fakes).
PublishOutcome run_publish(const PublishOptions& options, const std::vector<config::Host>& hosts,
                           const hosts::ConnectOptions& connect, const auth::CredentialStore& credentials,
                           Environment& environment);

} // namespace pma::job
