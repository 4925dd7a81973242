// The release engine (run_release) against fake hosts: the dependency graph,
// the one queue and its slots, all or nothing over targets, optional targets.
#include <pma/auth/credentials.hpp>
#include <pma/job/release.hpp>
#include <pma/util/interrupt.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <deque>
#include <fstream>

#include "fake_hosts.hpp"

using namespace pma;
using namespace pma::testing;
using util::ExitStatus;

namespace {

using namespace std::chrono_literals;

constexpr const char* k_registry = "127.0.0.1:5000/acme/";

std::filesystem::path
make_context()
{
  std::string dir = (std::filesystem::temp_directory_path() / "pma-release-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  std::ofstream(std::filesystem::path(dir) / "Containerfile") << "FROM base\nCOPY hello /\n";
  std::ofstream(std::filesystem::path(dir) / "hello") << "hello\n";
  return dir;
}

// Two hosts (amd, arm; podman 5.4.2) and a release whose targets are added
// by the test: each builds the same context for linux/amd64 and linux/arm64.
struct ReleaseLab {
  ReleaseLab()
  {
    util::interrupt::reset();
    release.options.retry = {1, 0ms};
    add_host("amd", "linux/amd64");
    add_host("arm", "linux/arm64");
  }
  ReleaseLab(const ReleaseLab&) = delete;
  ReleaseLab& operator=(const ReleaseLab&) = delete;
  ~ReleaseLab()
  {
    util::interrupt::reset();
    std::filesystem::remove_all(m_context);
  }

  FakeHost&
  add_host(const std::string& name, const std::string& native)
  {
    FakeHost& host = m_hosts.emplace_back(name, native);
    connector.add(host);
    configs.push_back({name, *transport::HostUrl::parse("unix:///run/fake/" + name + ".sock"), {}, {}, {}, "test"});
    return host;
  }
  FakeHost&
  host(const std::string& name)
  {
    return *std::find_if(m_hosts.begin(), m_hosts.end(), [&](const FakeHost& h) { return h.name == name; });
  }
  // A target tagged REGISTRY/NAME:1; `from`: the target whose image it builds FROM.
  job::ReleaseTarget&
  target(const std::string& name, const std::string& from = "", const bool required = true)
  {
    job::ReleaseTarget target;
    target.name = name;
    target.required = required;
    target.options.context_dir = m_context;
    target.options.containerfile = (m_context / "Containerfile").string();
    target.options.tags = {*oci::ImageRef::parse(std::string(k_registry) + name + ":1")};
    target.options.platforms = {platform("linux/amd64"), platform("linux/arm64")};
    if (!from.empty()) {
      target.target_contexts.push_back({"base", from});
    }
    return release.targets.emplace_back(std::move(target));
  }
  std::string
  tag(const std::string& name) const
  {
    return std::string(k_registry) + name + ":1";
  }
  const job::TargetOutcome&
  outcome_of(const std::string& name) const
  {
    return *std::find_if(outcome.targets.begin(), outcome.targets.end(),
                         [&](const job::TargetOutcome& t) { return t.name == name; });
  }

  job::ReleaseOutcome&
  run()
  {
    job::Environment env{connector, registry, progress, timings};
    outcome = job::run_release(release, configs, {}, credentials, env);
    return outcome;
  }
  bool
  clean() const
  {
    return std::all_of(m_hosts.begin(), m_hosts.end(), [](const FakeHost& h) {
      const auto names = h.names();
      return std::none_of(names.begin(), names.end(),
                          [](const std::string& n) { return n.starts_with(job::k_owned_prefix); });
    });
  }

  FakeRegistry registry;
  FakeConnector connector{registry};
  RecordingProgress progress;
  std::vector<config::Host> configs;
  job::Release release;
  auth::CredentialStore credentials = *auth::CredentialStore::from_auth_json("{}", "test");
  job::Timings timings{500ms, 200ms, 0ms};
  job::ReleaseOutcome outcome;

private:
  std::filesystem::path m_context = make_context();
  std::deque<FakeHost> m_hosts;
};

// A build script whose builds of `target` fail with `message`; the others succeed.
BuildScript
fails_target(const std::string& target, const std::string& message)
{
  return [needle = "build-" + target + ":", message](const libpod::BuildRequest& request, const auto&,
                                                     const int attempt) -> Result<std::string> {
    if (request.tags.front().find(needle) != std::string::npos) {
      return util::fail(ErrorClass::api, message);
    }
    return fmt::format("{:0>64}", attempt);
  };
}

// The build context values of `request` (additionalbuildcontexts).
std::vector<std::string>
contexts_of(const libpod::BuildRequest& request)
{
  for (const auto& setting : request.settings) {
    if (setting.option == libpod::BuildOption::build_context) {
      return setting.values;
    }
  }
  return {};
}

} // namespace

TEST_CASE("release: a target builds FROM its base target's image of the same platform, on the same host")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("app", "base");
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::success);
  REQUIRE(lab.outcome.targets.size() == 2);
  for (const auto* name : {"amd", "arm"}) {
    const auto requests = lab.host(name).requests();
    REQUIRE(requests.size() == 2);
    // base first, then app FROM the image base just built there (its name on this host).
    CHECK(contexts_of(requests[0]).empty());
    const auto contexts = contexts_of(requests[1]);
    REQUIRE(contexts.size() == 1);
    CHECK(contexts[0] == "base=image:" + requests[0].tags.front());
    CHECK(requests[0].tags.front().find("build-base:") != std::string::npos);
    CHECK(requests[1].tags.front().find("build-app:") != std::string::npos);
  }
  CHECK(lab.registry.platforms(lab.tag("base")).size() == 2);
  CHECK(lab.registry.platforms(lab.tag("app")).size() == 2);
  CHECK(lab.outcome_of("app").outcome.verified);
  // Each target's list has a name of its own, removed as a list.
  const std::string coordinator = lab.outcome_of("app").outcome.coordinator;
  CHECK(lab.host(coordinator).count("manifest create ") == 2);
  CHECK(lab.host(coordinator).count("manifest rm ") == 2);
  CHECK(lab.clean());
}

TEST_CASE("release: pulled by digest from the registry when the pull policy would not take the local image")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("app", "base").options.pull = "always";
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::success);
  const auto& base = lab.outcome_of("base").outcome;
  for (const auto& result : base.platforms) {
    const auto requests = lab.host(result.host).requests();
    REQUIRE(requests.size() == 2);
    CHECK(contexts_of(requests[1]) ==
          std::vector<std::string>{"base=image:" + std::string(k_registry) + "base@" + result.digest});
  }
}

TEST_CASE("release: a required target that fails publishes nothing, and its dependents are not built")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("app", "base");
  lab.target("tools");
  lab.host("arm").on_build = fails_target("base", "RUN make: exit status 2");
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::nothing_published);
  REQUIRE(lab.outcome.error);
  CHECK(lab.outcome.error->message.find("target base") != std::string::npos);
  for (const auto* name : {"base", "app", "tools"}) {
    CHECK(lab.registry.platforms(lab.tag(name)).empty());
  }
  const auto& app = lab.outcome_of("app").outcome;
  const auto arm = std::find_if(app.platforms.begin(), app.platforms.end(),
                                [](const auto& r) { return r.platform == platform("linux/arm64"); });
  REQUIRE(arm != app.platforms.end());
  CHECK(arm->state == job::Phase::failed);
  CHECK(arm->error->message == "not built: base failed for linux/arm64/v8");
  CHECK(lab.host("arm").count("build ") == 2); // base and tools; not app
  CHECK(lab.clean());
}

TEST_CASE("release: an optional target that fails is left out, the others are published (exit 3)")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("extras", "", /*required=*/false);
  lab.host("amd").on_build = fails_target("extras", "COPY failed");
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::partial);
  CHECK(lab.registry.platforms(lab.tag("base")).size() == 2);
  CHECK(lab.registry.platforms(lab.tag("extras")).empty());
  CHECK(lab.progress.warned("target extras is left out"));
  CHECK(lab.clean());
}

TEST_CASE("release: each host runs at most max-jobs builds at once (else its CPU count)")
{
  ReleaseLab lab;
  lab.host("amd").cpus = 2;
  lab.configs[1].max_jobs = 1; // arm
  lab.host("amd").build_delay = 30ms;
  lab.host("arm").build_delay = 30ms;
  for (const auto* name : {"a", "b", "c", "d"}) {
    lab.target(name);
  }
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::success);
  CHECK(lab.host("amd").most_at_once() == 2);
  CHECK(lab.host("arm").most_at_once() == 1);
  CHECK(lab.host("amd").count("build ") == 4);
  CHECK(lab.host("arm").count("build ") == 4);
}

TEST_CASE("release: --dry-run gives every job, its host and what it waits for, in order")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("app", "base");
  lab.release.options.dry_run = true;
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::success);
  REQUIRE(lab.outcome.plan.size() == 4);
  CHECK(lab.outcome.plan[0].target == "base");
  CHECK(lab.outcome.plan[2].target == "app");
  CHECK(lab.outcome.plan[2].host == lab.outcome.plan[0].host);
  CHECK(lab.outcome.plan[2].after == std::vector<std::string>{"base " + lab.outcome.plan[0].platform.to_string()});
  CHECK(lab.host("amd").count("build ") == 0);
}

TEST_CASE("release: a host that dies mid-release hands its jobs to another that serves the platform")
{
  ReleaseLab lab;
  lab.add_host("arm2", "linux/arm64");
  lab.target("base");
  lab.target("app", "base");
  lab.host("arm").on_build = [](const libpod::BuildRequest&, const auto&, int) -> Result<std::string> {
    return util::fail(ErrorClass::connect, "connection reset by peer");
  };
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::success);
  CHECK(lab.host("arm2").count("build ") == 2);
  CHECK(lab.registry.platforms(lab.tag("app")).size() == 2);
}

TEST_CASE("release: --fragment records every target's pushed images by target name, and moves no tag")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("app", "base");
  lab.release.options.fragment = true;
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::success);
  REQUIRE(lab.outcome.fragment);
  REQUIRE(lab.outcome.fragment->targets.size() == 2);
  CHECK(lab.outcome.fragment->targets[0].name == "base");
  CHECK(lab.outcome.fragment->targets[1].name == "app");
  CHECK(lab.outcome.fragment->targets[1].images.size() == 2);
  CHECK(lab.registry.platforms(lab.tag("base")).empty());
  CHECK(lab.registry.platforms(lab.tag("app")).empty());
  CHECK(lab.host("amd").count("manifest create ") == 0);
  CHECK(lab.clean());
}

TEST_CASE("release: --fragment with a required target refused writes no fragment (exit 4)")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("extras", "", /*required=*/false);
  lab.release.options.fragment = true;
  lab.host("arm").on_build = fails_target("base", "RUN make: exit status 2");
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::nothing_published);
  CHECK_FALSE(lab.outcome.fragment);
  REQUIRE(lab.outcome.error);
  CHECK(lab.outcome.error->message.find("target base") != std::string::npos);
}

namespace {

// An on_push script that holds the push of `target`'s image until a build of
// `waiting_for` reached the host (at most 2 s), notes whether it did, then
// returns `error`.
std::function<std::optional<Error>(const libpod::PushRequest&, int)>
hold_push(FakeHost& host, const std::string& target, const std::string& waiting_for, std::atomic<bool>& overlapped,
          std::optional<Error> error = std::nullopt)
{
  return [&host, &overlapped, target, waiting_for, error](const libpod::PushRequest& request,
                                                          int) -> std::optional<Error> {
    if (request.destination.find("/" + target) == std::string::npos) {
      return std::nullopt;
    }
    for (int i = 0; i < 200 && host.count("build localhost/podman-multiarch-build-" + waiting_for + ":") == 0; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    overlapped = host.count("build localhost/podman-multiarch-build-" + waiting_for + ":") > 0;
    return error;
  };
}

} // namespace

TEST_CASE("release: a target built FROM another starts on its host once that image is built, during its push")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("app", "base");
  std::atomic<bool> overlapped = false;
  lab.host("amd").on_push = hold_push(lab.host("amd"), "base", "app", overlapped);
  lab.run();
  CHECK(lab.outcome.exit_status == ExitStatus::success);
  CHECK(overlapped); // app's build reached amd while base's push was under way
  const auto requests = lab.host("amd").requests();
  REQUIRE(requests.size() == 2);
  CHECK(contexts_of(requests[1]) == std::vector<std::string>{"base=image:" + requests[0].tags.front()});
  CHECK(lab.registry.platforms(lab.tag("app")).size() == 2);
  const auto& base = lab.outcome_of("base").outcome.platforms;
  CHECK(std::all_of(base.begin(), base.end(), [](const auto& r) { return r.build_duration <= r.duration; }));
  CHECK(lab.clean());
}

TEST_CASE("release: a target started FROM an image whose push then fails fails with it; nothing published")
{
  ReleaseLab lab;
  lab.target("base");
  lab.target("app", "base");
  std::atomic<bool> overlapped = false;
  lab.host("arm").on_push = hold_push(lab.host("arm"), "base", "app", overlapped,
                                      Error(ErrorClass::auth, "denied: requested access to the resource is denied"));
  lab.run();
  CHECK(overlapped);
  CHECK(lab.outcome.exit_status != ExitStatus::success);
  for (const auto* name : {"base", "app"}) {
    CHECK(lab.registry.platforms(lab.tag(name)).empty());
  }
  const auto& app = lab.outcome_of("app").outcome.platforms;
  const auto arm = std::find_if(app.begin(), app.end(), [](const auto& r) { return r.host == "arm"; });
  REQUIRE(arm != app.end());
  CHECK(arm->state == job::Phase::failed);
  REQUIRE(arm->error);
  CHECK(arm->error->message == "built FROM base for linux/arm64/v8, which then failed");
  CHECK(lab.clean());
}

namespace {

constexpr const char* k_lab_base = "127.0.0.1:5000/lab/base:1";

// Incremental releases: target `base` FROM k_lab_base (one image per
// platform), target `app` FROM base.
void
base_and_app(ReleaseLab& lab)
{
  auto& base = lab.target("base");
  const auto containerfile = std::filesystem::path(base.options.context_dir) / "Containerfile.base";
  std::ofstream(containerfile) << "FROM " << k_lab_base << "\nCOPY hello /\n";
  base.options.containerfile = containerfile.string();
  lab.target("app", "base");
  lab.registry.put(k_lab_base, index_json({{oci::digest_of("1amd64"), platform("linux/amd64"), {}},
                                           {oci::digest_of("1arm64"), platform("linux/arm64"), {}}}));
}

void
move_amd64_base(ReleaseLab& lab)
{
  lab.registry.put(k_lab_base, index_json({{oci::digest_of("2amd64"), platform("linux/amd64"), {}},
                                           {oci::digest_of("1arm64"), platform("linux/arm64"), {}}}));
}

void
keep_pushed(ReleaseLab& lab)
{
  for (const auto& target : lab.outcome.targets) {
    for (const auto& result : target.outcome.platforms) {
      lab.registry.put_image(std::string(k_registry) + target.name + "@" + result.digest, result.platform);
    }
  }
}

size_t
builds(ReleaseLab& lab)
{
  return lab.host("amd").count("build ") + lab.host("arm").count("build ");
}

const job::PlatformResult&
result_of(const job::TargetOutcome& target, const std::string& text)
{
  return *std::find_if(target.outcome.platforms.begin(), target.outcome.platforms.end(),
                       [&](const job::PlatformResult& r) { return r.platform == platform(text); });
}

} // namespace

TEST_CASE("release: an unchanged release builds nothing; a moved base rebuilds what is built on it, and only that")
{
  ReleaseLab lab;
  base_and_app(lab);
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  keep_pushed(lab);
  const size_t first = builds(lab);
  CHECK(first == 4);

  REQUIRE(lab.run().exit_status == ExitStatus::success);
  CHECK(builds(lab) == first);
  CHECK(result_of(lab.outcome_of("app"), "linux/arm64").change == "unchanged");

  move_amd64_base(lab);
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  CHECK(builds(lab) == first + 2);
  CHECK(
      result_of(lab.outcome_of("base"), "linux/amd64").change.starts_with("rebuilt: base " + std::string(k_lab_base)));
  CHECK(result_of(lab.outcome_of("app"), "linux/amd64").change.starts_with("rebuilt: base target:base sha256:"));
  CHECK(result_of(lab.outcome_of("app"), "linux/arm64").change == "unchanged");
  CHECK(result_of(lab.outcome_of("base"), "linux/arm64").change == "unchanged");
}

TEST_CASE("release: a target rebuilt FROM an unchanged one takes that image from the registry by digest")
{
  ReleaseLab lab;
  base_and_app(lab);
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  keep_pushed(lab);
  const std::string base_digest = result_of(lab.outcome_of("base"), "linux/arm64").digest;
  lab.release.targets.back().options.labels.push_back("version=2");
  const size_t before = lab.host("arm").requests().size();
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  const auto requests = lab.host("arm").requests();
  REQUIRE(requests.size() == before + 1);
  CHECK(contexts_of(requests.back()) ==
        std::vector<std::string>{fmt::format("base=image:{}base@{}", k_registry, base_digest)});
  CHECK(result_of(lab.outcome_of("app"), "linux/arm64").change == "rebuilt: options changed");
  CHECK(result_of(lab.outcome_of("base"), "linux/arm64").change == "unchanged");

  SUBCASE("--check of one changed target: exit 5, nothing built")
  {
    lab.release.targets.back().options.labels.push_back("version=3");
    lab.release.options.check = true;
    const size_t all = builds(lab);
    CHECK(lab.run().exit_status == ExitStatus::would_build);
    CHECK(builds(lab) == all);
  }
}
