#pragma once

#include <pma/job/run.hpp>

#include <string>
#include <vector>

// A release (podman-multiarch-bake(1)): many images, each for its platforms,
// built from one job queue over all hosts, published all or nothing.
namespace pma::job {

// contexts: {base: "target:base"} — the build context `base` of a target is
// the image another target of the release built for the same platform.
struct TargetContext {
  std::string name;   // as the Containerfile names it (FROM base, COPY --from=base)
  std::string target; // the release target that provides it

  bool operator==(const TargetContext&) const = default;
};

struct ReleaseTarget {
  std::string name; // after matrix expansion: "tools-slim"
  // What this image builds and where its list goes. Run-wide fields (emulation,
  // retries, timeout, cleanup, --allow-partial, --allow-shrink, --no-push,
  // --dry-run, --manifest-host) are taken from Release::options, not from here.
  BuildOptions options;
  std::vector<TargetContext> target_contexts;
  bool required = true; // required: false — a failure leaves it out (exit 3)
};

struct Release {
  std::vector<ReleaseTarget> targets; // each dependency before its dependents
  BuildOptions options;               // the run-wide fields
};

// One (target, platform) job of the plan, in the order the queue starts them
// (--dry-run prints these).
struct PlannedJob {
  std::string target;
  oci::Platform platform;
  std::string host;               // empty: no host can build it
  std::string reason;             // native, declared, emulated; or why no host
  std::vector<std::string> after; // "target platform" jobs it waits for
};

struct TargetOutcome {
  std::string name;
  bool required = true;
  BuildOutcome outcome; // its platforms, its list, its exit status
};

struct ReleaseOutcome {
  std::vector<TargetOutcome> targets; // in Release::targets order
  std::vector<PlannedJob> plan;
  std::optional<Fragment> fragment; // --fragment: every target's images, instead of lists
  util::ExitStatus exit_status = util::ExitStatus::success;
  std::optional<util::Error> error; // why the release failed, if it did
};

// The whole release: one queue of (target, platform) jobs over all hosts,
// each job after the jobs of the targets it builds FROM, lists pushed only
// when every required target built (podman-multiarch-bake(1)).
ReleaseOutcome run_release(const Release& release, const std::vector<config::Host>& hosts,
                           const hosts::ConnectOptions& connect, const auth::CredentialStore& credentials,
                           Progress& progress, ReleaseSigner* signer = nullptr);

// The same in `environment` (tests: fakes).
ReleaseOutcome run_release(const Release& release, const std::vector<config::Host>& hosts,
                           const hosts::ConnectOptions& connect, const auth::CredentialStore& credentials,
                           Environment& environment);

} // namespace pma::job
