#pragma once

// Private to src/build: the state of one build run, split over run.cpp
// (connect, plan, build, push) and publish.cpp (list, verify).
#include <pma/context/context.hpp>
#include <pma/job/run.hpp>
#include <pma/libpod/emulator_crash.hpp>
#include <pma/registry/reader.hpp>

#include <atomic>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace pma::job::detail {

// How long cleanup may take after a normal end (each removal, and all of
// them), and after Ctrl-C, --timeout, or on a host that failed during the run.
inline constexpr std::chrono::seconds k_cleanup_budget{30};
inline constexpr std::chrono::seconds k_cleanup_budget_cut{5};

class Runner {
public:
  Runner(const BuildOptions& options, const std::vector<config::Host>& hosts, const hosts::ConnectOptions& connect,
         const auth::CredentialStore& credentials, Progress& progress);

  BuildOutcome run();

private:
  // run.cpp
  BuildOutcome fail(util::Error error);
  util::Result<void> connect_and_plan();
  util::Result<void> prepare();
  util::Result<void> check_hosts_carry_options();
  const context::ContextPlan& context_for(const oci::Platform& platform) const;
  util::Result<void> preflight_credentials();
  bool emulators_matter() const;
  std::vector<oci::Platform> planned_platforms() const;
  hosts::Session* session(const std::string& host);
  void build_all();
  void build_one(PlatformResult& result);
  // After `host_error` on result.host: another host for the platform, if any.
  std::optional<Assignment> failover(const PlatformResult& result, const util::Error& host_error);
  // Runs `attempt` under --retry, counting and announcing each retry in `retries`.
  util::Result<void> with_retries(const std::string& what, int& retries,
                                  const std::function<util::Result<void>()>& attempt);
  bool emulated(const PlatformResult& result) const;
  util::Result<std::string> build_image(PlatformResult& result, hosts::Session& host, libpod::LogTail& tail);
  // `tail`, if given, keeps the end of the build's log (emulator crashes).
  util::Result<std::string> send_build(PlatformResult& result, hosts::Session& host,
                                       const libpod::BuildRequest& request, const context::ContextPlan& plan,
                                       libpod::LogTail* tail = nullptr);
  util::Result<void> build_local_contexts(PlatformResult& result, hosts::Session& host, libpod::BuildRequest& request);
  util::Result<void> check_platform(PlatformResult& result, hosts::Session& host);
  util::Result<void> push(PlatformResult& result, hosts::Session& host);
  std::string push_destination(const PlatformResult& result, hosts::Session& host) const;

  // cleanup.cpp
  // "localhost/podman-multiarch-KIND:RUN-os-arch…": a name unique to this run.
  std::string owned_name(std::string_view kind, const oci::Platform* platform) const;
  // Records that this run gave `name` to an image on `host` (before asking for it).
  void own(const std::string& host, const std::string& name);
  void cleanup();

  // publish.cpp
  hosts::Session* choose_coordinator();
  util::Error no_coordinator_error() const;
  util::Result<void> check_existing_tags(const std::vector<oci::Platform>& platforms);
  void publish();
  void add_finished_to_list(const PlatformResult& finished);
  util::Result<void> add_to_list(const PlatformResult& image);
  util::Result<void> assemble_and_push(const std::vector<const PlatformResult*>& images);
  util::Result<void> push_list(hosts::Session& coordinator, const std::vector<const PlatformResult*>& images);
  util::Result<void> recheck_tag(size_t i, const std::vector<oci::Platform>& platforms, hosts::Session& coordinator);
  util::Result<void> verify(const std::vector<const PlatformResult*>& images);
  util::Result<std::optional<oci::Index>> read_tag(const oci::ImageRef& tag, hosts::Session& coordinator,
                                                   std::string* digest,
                                                   const util::Result<std::optional<registry::Manifest>>& direct);

  const BuildOptions& m_options;
  const std::vector<config::Host>& m_hosts;
  const hosts::ConnectOptions& m_connect;
  const auth::CredentialStore& m_credentials;
  Progress& m_progress;
  // "<unix seconds>-<random>": in every name this run gives on a host, so that a
  // later run can tell an abandoned name's age (cleanup.cpp).
  const std::string m_run_id;
  // Direct, read-only registry access (credential check, shrink check,
  // verification): one per run, so its tokens are reused.
  registry::Reader m_registry;

  std::vector<hosts::Connected> m_connected;
  std::vector<HostCapacity> m_capacities;
  std::mutex m_failover_mutex;
  std::set<std::string> m_dead_hosts; // died during this run (guarded by m_failover_mutex)
  std::atomic<bool> m_timed_out{false};
  // Names this run gave to images on the hosts (build results, --build-context
  // images, lists): the only things cleanup() removes, by name, so an image that
  // someone else also names (a cached result equal to theirs) loses only ours.
  struct Owned {
    std::string host;
    std::string name;
    bool removed = false;
  };
  std::vector<Owned> m_owned; // guarded by m_failover_mutex
  // When a build was last abandoned (failover, Ctrl-C): podman may still be
  // committing its step.
  std::optional<std::chrono::steady_clock::time_point> m_last_abandoned; // guarded by m_failover_mutex
  // Per-arch images being removed since their push (build_one); cleanup() waits for them.
  struct Removal {
    std::string host;
    std::string name;
    std::future<util::Result<void>> done;
  };
  std::vector<Removal> m_removals;                         // guarded by m_failover_mutex
  std::map<std::string, context::ContextPlan> m_contexts;  // per Containerfile argument
  std::vector<context::ContextPlan> m_local_context_plans; // per m_options.local_contexts entry
  std::vector<std::string> m_secret_specs;                 // secrets= values
  oci::ImageRef m_repository;                              // -t #1: where per-arch images go
  std::string m_registry_config;                           // X-Registry-Config for base-image pulls
  std::string m_push_auth;                                 // X-Registry-Auth for m_repository
  // Each tag of m_options.tags as read from here before building (run()).
  std::vector<util::Result<std::optional<registry::Manifest>>> m_tags_before;
  // What each tag served before this run (read by check_existing_tags).
  std::vector<std::pair<std::string, std::optional<oci::Index>>> m_existing;
  hosts::Session* m_coordinator = nullptr;
  std::string m_list_name;
  bool m_list_created = false;
  // The list as it is filled during the builds (add_finished_to_list).
  struct {
    std::mutex mutex;
    std::vector<bool> finished; // per m_outcome.platforms entry
    size_t next = 0;            // the first entry not yet added or passed over
    size_t added = 0;
    bool failed = false; // an add failed: publish() assembles the list again
  } m_list;
  BuildOutcome m_outcome;
};

} // namespace pma::job::detail
