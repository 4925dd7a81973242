#pragma once

// Private to src/job: one run — a release of one or more targets (`build` is
// a release of one) — as its steps, over parts that each own their state and
// lock: the hosts (Fleet), the names (Names), and per target its tags (Tags),
// its list (ListAssembler) and its inputs (Inputs).
#include <pma/job/release.hpp>

#include <atomic>
#include <future>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "fleet.hpp"
#include "group.hpp"
#include "inputs.hpp"
#include "list.hpp"
#include "names.hpp"
#include "queue.hpp"
#include "run_state.hpp"
#include "tags.hpp"

namespace pma::job::detail {

// One target of the run, and everything only it uses.
struct Target {
  Target(const ReleaseTarget& target, const BuildOptions& run_options, const auth::CredentialStore& credentials,
         Environment& env, const std::string& run_id, std::string name_part, Fleet& fleet, Names& names);
  Target(const Target&) = delete;
  Target& operator=(const Target&) = delete;

  const ReleaseTarget& spec;
  BuildOptions options; // the target's, with the run-wide fields of the release
  Run run;
  BuildOutcome outcome;
  Tags tags;
  ListAssembler list;
  Inputs inputs;
  std::vector<size_t> depends_on; // indices of the targets it builds from
  // Incremental builds, per outcome.platforms entry: the build contexts that
  // pin its base images to the digests it was fingerprinted with ("TEXT=image:REF").
  std::vector<std::vector<std::string>> pins;
  // The same through the lists the bases were read from where they follow the
  // build's platform: equal across platforms, for a request that builds several.
  std::vector<std::vector<std::string>> list_pins;
  // Every platform is unchanged and every tag serves the list this run would
  // push already: nothing is assembled or pushed.
  bool current = false;

  // How messages name one of its jobs: "app linux/arm64", or "linux/arm64"
  // for `build`, whose only target has no name.
  std::string job_name(const oci::Platform& platform) const;
  // What starts its run-level messages: "target app: ", or "" for `build`.
  std::string about() const;
};

// Whether podman, under pull policy `pull`, takes an image context from its
// own storage when the image is there.
bool uses_local_images(const std::string& pull);

// One (target, platform) job of the queue.
struct QueuedJob {
  size_t target;
  size_t index; // into that target's outcome.platforms
};

class Job {
public:
  Job(const Release& release, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
      const auth::CredentialStore& credentials, Environment& env, bool one_image);

  ReleaseOutcome run();

private:
  ReleaseOutcome fail(util::Error error, std::optional<util::ExitStatus> status = std::nullopt);
  ReleaseOutcome finish();
  util::Result<void> connect_and_plan();
  void plan_jobs();
  util::Result<void> check_before_building();
  util::Result<void> prepare_all_inputs();
  util::Result<void> check_hosts_carry_options() const;
  // Incremental builds (incremental.cpp): every platform fingerprinted and
  // compared with what the tags serve; the unchanged ones are done already.
  util::Result<void> fingerprint_all();
  void keep_unchanged(Target& target);
  bool tags_current(const Target& target) const;
  ReleaseOutcome check_only();
  bool emulators_matter() const;
  void build_all();
  std::vector<std::string> image_contexts(size_t job, const Queue& queue) const;
  // The jobs among `started` that one request builds with others (group.hpp).
  std::map<size_t, std::shared_ptr<BuildGroup>> groups_of(const std::vector<size_t>& started) const;
  bool groupable(size_t job) const;
  bool one_request(size_t a, size_t b) const;
  void publish();
  void record_fragments();
  void cleanup();

  const Release& m_release;
  const BuildOptions& m_options; // the run-wide ones
  const std::vector<config::Host>& m_hosts;
  const hosts::ConnectOptions& m_connect;
  Environment& m_env;
  const bool m_one_image; // `build`: every platform starts at once, messages without target names
  const std::string m_run_id;
  Fleet m_fleet;
  Names m_names;
  std::vector<std::unique_ptr<Target>> m_targets;
  std::vector<QueuedJob> m_jobs;
  std::vector<Queue::Entry> m_entries;
  std::future<void> m_tag_reads;
  std::optional<util::ExitStatus> m_refused_status; // a refusal's, where its error's class does not say it
  ReleaseOutcome m_outcome;
  std::atomic<bool> m_timed_out{false};
};

} // namespace pma::job::detail
