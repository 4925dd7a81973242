#pragma once

#include <pma/auth/credentials.hpp>
#include <pma/config/host.hpp>
#include <pma/context/context.hpp>
#include <pma/hosts/session.hpp>
#include <pma/job/environment.hpp>
#include <pma/job/fingerprint.hpp>
#include <pma/job/fragment.hpp>
#include <pma/job/plan.hpp>
#include <pma/job/progress.hpp>
#include <pma/oci/platform.hpp>
#include <pma/oci/reference.hpp>
#include <pma/util/retry.hpp>

#include <chrono>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace pma::job {

// --platform-build-arg, --platform-target, --platform-file: what one platform
// builds differently from the others.
struct PlatformOverrides {
  std::map<std::string, std::string> build_args; // over the common ones
  std::optional<std::string> target;
  std::optional<std::string> containerfile;

  bool operator==(const PlatformOverrides&) const = default;
};

// --secret: sent inside the context tar, which the service moves out of the
// context before the build and deletes after it, so it never reaches a layer.
struct Secret {
  std::string id;
  std::filesystem::path file; // type=file: read at upload time
  std::string value;          // type=env: read here, from the client's environment

  bool operator==(const Secret&) const = default;
};

// --build-context NAME=DIRECTORY. podman's API takes local directories only
// from 5.6 (multipart) and its remote client cannot send them before; here
// each is built on the host into an image of its own ("FROM scratch", "COPY .
// /", named for this run and removed after it) and given as an image context,
// which every service from 4.2 takes.
struct LocalContext {
  std::string name;
  std::filesystem::path directory;

  bool operator==(const LocalContext&) const = default;
};

struct BuildOptions {
  std::filesystem::path context_dir;
  std::string containerfile;            // -f, as given ("-": containerfile_text)
  std::string containerfile_text;       // -f -: the Containerfile read from standard input
  std::string ignore_file;              // --ignorefile
  std::vector<oci::ImageRef> tags;      // -t: the list goes to every one
  std::vector<oci::Platform> platforms; // --platform; empty: all the hosts serve
  // How --platform named each platform: sent as written (normalised, e.g.
  // linux/arm64 stays without the v8 that comparisons imply).
  std::map<oci::Platform, std::string> platform_texts;
  std::map<oci::Platform, PlatformOverrides> overrides;
  std::map<std::string, std::string> build_args;
  std::vector<std::string> labels;                 // "k=v" or "k", in command-line order
  std::vector<std::string> annotations;            // "k=v", on every image manifest
  std::vector<std::string> descriptor_annotations; // "k=v", on every list entry
  std::vector<std::string> index_annotations;      // "k=v", on the list itself (podman ≥ 5.0 coordinator)
  std::string target;
  std::optional<int> jobs; // --jobs: stages each host builds in parallel
  bool no_cache = false;
  bool layers = true;   // --layers; --squash turns it off
  bool squash = false;  // --squash-all
  bool remove = true;   // --rm
  bool force_rm = true; // --force-rm
  // --pull as given: missing, always, newer, never, or false, whose meaning
  // is the host's (missing before podman 5.0, never from 5.0).
  std::string pull = "missing";
  std::optional<bool> tls_verify;
  std::string format = "oci"; // oci or docker
  // Every other forwarded `podman build` option (libpod/build_settings.hpp).
  std::vector<libpod::BuildSetting> settings;
  std::vector<Secret> secrets;
  std::vector<LocalContext> local_contexts;
  Emulation emulation = Emulation::fallback;
  bool dry_run = false;
  // --check: fingerprint every platform and compare with what the tags
  // serve; build nothing (exit 5 when something would be built).
  bool check = false;
  // --rebuild: build even what is unchanged (the fingerprints are recorded all the same).
  bool rebuild = false;
  bool no_push = false;
  // --fragment: push by digest, publish no list and move no tag; the outcome
  // holds what was pushed (BuildOutcome::fragment) for `publish`.
  bool fragment = false;
  bool allow_partial = false;
  std::vector<oci::Platform> required; // --require: must be in a partial publish
  bool allow_shrink = false;
  bool cleanup = true;
  std::string arch_tag_format = "{tag}-staging-{os}-{arch}{-variant}";
  std::string manifest_host; // --manifest-host
  std::chrono::milliseconds build_idle_timeout{std::chrono::minutes(30)};
  // --compress: how the context travels; nullopt (auto): zstd to ssh and tcp
  // hosts, uncompressed through a local socket (job::compression_for).
  std::optional<context::Compression> compression;
  util::RetryPolicy retry;        // --retry / --retry-delay: pushes, the list push, build pulls (5.3+)
  int emulator_crash_retries = 1; // builds again of a platform whose build qemu-user crashed
  bool retry_given = false;       // --retry or --retry-delay was on the command line
  std::optional<std::chrono::milliseconds> timeout; // --timeout: the whole run
};

struct PlatformResult {
  oci::Platform platform;
  std::string host;
  std::string reason; // why this host: native, declared, emulated
  std::string image_id;
  std::string image_name; // the name this run gave it on its host (localhost/podman-multiarch-build:…)
  std::string digest;     // pushed manifest digest
  std::string pushed_to;  // repo@digest, or the per-arch tag on podman < 4.9
  std::chrono::milliseconds duration{0};
  std::chrono::milliseconds build_duration{0}; // until built and its platform checked (the push follows)
  int retries = 0;                             // push retries
  int emulator_crash_retries = 0;              // builds again after qemu crashed (--emulator-crash-retries)
  std::vector<std::string> failed_over;        // hosts that died while building this platform
  Phase state = Phase::queued;                 // done, failed or skipped at the end
  std::optional<util::Error> error;
  // Incremental builds (runs that publish): what decided its image, and why
  // it was built ("built", "rebuilt: context changed", …) or not ("unchanged":
  // the image the tag's list has is kept, and nothing was built).
  std::optional<Fingerprint> inputs;
  std::string change;
};

struct BuildOutcome {
  std::vector<PlatformResult> platforms;
  std::vector<std::string> tags;            // tags the list was pushed to
  std::vector<std::string> tags_not_pushed; // tags the run should have moved but did not (they keep what they had)
  std::string index_digest;
  std::string media_type;
  std::string coordinator;           // host that assembled the list
  bool verified = false;             // the registry's index was read back and matched
  std::optional<SignReport> signing; // a signed publish: what it wrote
  int list_push_retries = 0;
  // Names this run gave on hosts that did not answer its cleanup in time, by host.
  std::vector<std::pair<std::string, std::vector<std::string>>> left_behind;
  std::optional<Fragment> fragment; // --fragment: what was pushed, when the rules allow it
  util::ExitStatus exit_status = util::ExitStatus::success;
  std::optional<util::Error> error; // why the run failed, if it did
};

// The whole `build` job (podman-multiarch-build(1)): plan, build on every
// host in parallel, push, check platforms, assemble and push the list to every
// tag, verify, clean up. Errors that stop the run are in the outcome (with the
// exit code), so that the caller can still print what happened per platform.
BuildOutcome run_build(const BuildOptions& options, const std::vector<config::Host>& hosts,
                       const hosts::ConnectOptions& connect, const auth::CredentialStore& credentials,
                       Progress& progress, ReleaseSigner* signer = nullptr);

// The same job in `environment`: its hosts, registry and progress (tests: fakes).
BuildOutcome run_build(const BuildOptions& options, const std::vector<config::Host>& hosts,
                       const hosts::ConnectOptions& connect, const auth::CredentialStore& credentials,
                       Environment& environment);

// Every name a run gives on a host starts so and carries the run's start
// time: a later run removes those older than k_stale_names_after, which no
// run still uses, when the run that gave them could not.
inline constexpr std::string_view k_owned_prefix = "localhost/podman-multiarch-";
inline constexpr std::chrono::hours k_stale_names_after{24};

// When the run that gave `name` (localhost/podman-multiarch-KIND:SECONDS-…)
// started; nullopt for any other name.
std::optional<std::chrono::system_clock::time_point> owned_name_time(std::string_view name);

// Whether `name` is a list a run named (removed as a list, not as an image).
bool is_owned_list_name(std::string_view name);

// "1.4" + linux/arm64/v8 with "{tag}-{os}-{arch}{-variant}" → "1.4-linux-arm64-v8".
std::string arch_tag(const std::string& format, const std::string& tag, const oci::Platform& platform);

} // namespace pma::job
