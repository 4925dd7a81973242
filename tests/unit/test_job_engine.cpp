// The job engine's rules against fake hosts (fake_hosts.hpp): failover, list
// order, publishing rules and exit statuses, Ctrl-C in each phase, retries by
// error class, cleanup. No sockets: each test runs in milliseconds.
#include <pma/auth/credentials.hpp>
#include <pma/job/run.hpp>
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

constexpr const char* k_tag = "127.0.0.1:5000/acme/app:1";
constexpr const char* k_repository = "127.0.0.1:5000/acme/app";

std::filesystem::path
make_context()
{
  std::string dir = (std::filesystem::temp_directory_path() / "pma-engine-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  std::ofstream(std::filesystem::path(dir) / "Containerfile") << "FROM scratch\nCOPY hello /\n";
  std::ofstream(std::filesystem::path(dir) / "hello") << "hello\n";
  return dir;
}

// The lab's three platforms, in plan order.
std::vector<oci::Platform>
three()
{
  return {platform("linux/amd64"), platform("linux/arm64"), platform("linux/ppc64le")};
}

// Three hosts (amd64, arm64, ppc64le; podman 5.4.2 unless a test changes it),
// a registry, and the options of `podman-multiarch build -t TAG` for their
// three platforms.
struct Lab {
  Lab()
  {
    util::interrupt::reset();
    options.context_dir = m_context;
    options.containerfile = (m_context / "Containerfile").string();
    options.tags = {*oci::ImageRef::parse(k_tag)};
    options.platforms = three();
    options.retry = {2, 0ms};
    add("amd", "linux/amd64");
    add("arm", "linux/arm64");
    add("ppc", "linux/ppc64le");
  }
  Lab(const Lab&) = delete;
  Lab& operator=(const Lab&) = delete;
  ~Lab()
  {
    util::interrupt::reset();
    std::filesystem::remove_all(m_context);
  }

  FakeHost&
  add(const std::string& name, const std::string& native, libpod::Version version = {5, 4, 2})
  {
    FakeHost& host = m_hosts.emplace_back(name, native, version);
    connector.add(host);
    configs.push_back({name, *transport::HostUrl::parse("unix:///run/fake/" + name + ".sock"), {}, {}, {}, "test"});
    return host;
  }
  FakeHost&
  host(const std::string& name)
  {
    return *std::find_if(m_hosts.begin(), m_hosts.end(), [&](const FakeHost& h) { return h.name == name; });
  }
  const job::PlatformResult&
  result(const std::string& text) const
  {
    const auto wanted = platform(text);
    return *std::find_if(outcome.platforms.begin(), outcome.platforms.end(),
                         [&](const job::PlatformResult& r) { return r.platform == wanted; });
  }

  job::BuildOutcome&
  run()
  {
    job::Environment env{connector, registry, progress, timings, signer};
    outcome = job::run_build(options, configs, {}, credentials, env);
    return outcome;
  }
  // Every name this run gave is gone from every host.
  bool
  clean() const
  {
    return std::all_of(m_hosts.begin(), m_hosts.end(), [](const FakeHost& h) {
      const auto names = h.names();
      return std::none_of(names.begin(), names.end(),
                          [](const std::string& n) { return n.starts_with(job::k_owned_prefix); });
    });
  }
  size_t
  builds() const
  {
    size_t total = 0;
    for (const auto& h : m_hosts) {
      total += h.count("build ");
    }
    return total;
  }

  FakeRegistry registry;
  FakeConnector connector{registry};
  RecordingProgress progress;
  std::vector<config::Host> configs;
  job::BuildOptions options;
  auth::CredentialStore credentials = *auth::CredentialStore::from_auth_json("{}", "test");
  job::Timings timings{500ms, 200ms, 0ms};
  job::BuildOutcome outcome;
  job::ReleaseSigner* signer = nullptr;

private:
  std::filesystem::path m_context = make_context();
  std::deque<FakeHost> m_hosts;
};

util::Error
connection_closed()
{
  return {util::ErrorClass::connect, "connection closed while reading the answer"};
}

// A build that reports a step, then loses its host.
Result<std::string>
dies_while_building(const libpod::BuildRequest& /*request*/,
                    const std::function<void(const libpod::BuildEvent&)>& on_event, int /*attempt*/)
{
  on_event({libpod::BuildEvent::Kind::step, "STEP 1/2: FROM scratch", "", 1, 2});
  return util::Unexpected(util::Error(util::ErrorClass::timeout, "no answer for 30 s"));
}

Result<std::string>
step_fails(const libpod::BuildRequest& /*request*/, const std::function<void(const libpod::BuildEvent&)>& /*on_event*/,
           int /*attempt*/)
{
  return util::fail(util::ErrorClass::api, "build failed: building at STEP \"RUN false\": exit status 1");
}

// What podman streams when qemu-user crashed in a RUN step (docs/podman-quirks.md).
Result<std::string>
emulator_crashes(const std::function<void(const libpod::BuildEvent&)>& on_event)
{
  for (const char* line : {"STEP 2/2: RUN make", "qemu: uncaught target signal 11 (Segmentation fault) - core dumped",
                           "Segmentation fault"}) {
    on_event({libpod::BuildEvent::Kind::log, line, "", 0, 0});
  }
  return util::fail(util::ErrorClass::api,
                    "build failed: building at STEP \"RUN make\": while running runtime: exit status 139");
}

// A request that stops the run as Ctrl-C does, and fails as an interrupted request does.
util::Error
ctrl_c()
{
  util::interrupt::request();
  return {util::ErrorClass::interrupted, "interrupted"};
}

std::string
index_of(const std::vector<std::string>& platforms)
{
  std::vector<FakeEntry> entries;
  entries.reserve(platforms.size());
  for (const auto& text : platforms) {
    entries.push_back({oci::digest_of(text), platform(text), {}});
  }
  return index_json(entries);
}

} // namespace

TEST_SUITE_BEGIN("job");

TEST_CASE("engine: every platform built, pushed by digest and published under the tag")
{
  Lab lab;
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::success);
  CHECK_MESSAGE(!outcome.error, (outcome.error ? outcome.error->describe() : ""));
  CHECK(lab.registry.platforms(k_tag) == three());
  CHECK(outcome.tags == std::vector<std::string>{k_tag});
  CHECK(outcome.verified);
  CHECK(outcome.media_type == oci::media_type::oci_index);
  for (const auto& result : outcome.platforms) {
    CHECK(result.state == job::Phase::done);
    CHECK(result.pushed_to == std::string(k_repository) + "@" + result.digest);
  }
  CHECK(lab.host("amd").count("push " + libpod::by_digest(k_repository)) == 1);
}

TEST_CASE("engine: the index lists the platforms in plan order, whichever finishes first")
{
  Lab lab;
  lab.host("amd").build_delay = 50ms;
  lab.host("arm").build_delay = 20ms;
  lab.run();
  CHECK(lab.registry.platforms(k_tag) == three());
  // Added to the list as they finish, but in plan order: amd64's add comes first.
  std::vector<std::string> adds;
  for (const auto& call : lab.host("amd").calls()) {
    if (call.starts_with("manifest add")) {
      adds.push_back(call.substr(call.rfind(' ') + 1));
    }
  }
  CHECK(adds == std::vector<std::string>{"linux/amd64", "linux/arm64/v8", "linux/ppc64le"});
}

TEST_CASE("engine: a host that dies during the upload hands its platform to another host")
{
  Lab lab;
  lab.host("arm").on_build = [](const auto&, const auto&, int) { return util::Unexpected(connection_closed()); };
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::success);
  const auto& arm64 = lab.result("linux/arm64");
  CHECK(arm64.failed_over == std::vector<std::string>{"arm"});
  CHECK(arm64.host == "amd");
  CHECK(arm64.reason.starts_with("emulated"));
  CHECK(lab.progress.warned("host arm failed (connection closed while reading the answer during the context upload)"));
  CHECK(lab.registry.platforms(k_tag) == three());
}

TEST_CASE("engine: a host that dies during the build hands its platform to another host")
{
  Lab lab;
  lab.host("ppc").on_build = dies_while_building;
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::success);
  CHECK(lab.result("linux/ppc64le").failed_over == std::vector<std::string>{"ppc"});
  CHECK(lab.progress.warned("no answer for 30 s during the build"));
  CHECK(lab.clean());
}

TEST_CASE("engine: a failed build step is the build's fault: no failover, nothing published")
{
  Lab lab;
  lab.host("arm").on_build = step_fails;
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::nothing_published);
  CHECK(lab.host("arm").count("build ") == 1);
  CHECK(lab.host("amd").count("build ") == 1);
  CHECK(lab.result("linux/arm64").state == job::Phase::failed);
  CHECK(outcome.error->message.find("nothing published: 1 of 3 platforms failed") != std::string::npos);
  CHECK_FALSE(lab.registry.index(k_tag));
  CHECK(lab.clean());
}

TEST_CASE("engine: without a host to take over, the platform fails")
{
  Lab lab;
  lab.options.emulation = job::Emulation::never;
  lab.host("arm").on_build = dies_while_building;
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::nothing_published);
  CHECK(lab.result("linux/arm64").failed_over.empty());
  CHECK(lab.result("linux/arm64").error->message == "no answer for 30 s during the build");
}

TEST_CASE("engine: a host that dies during the push fails its platform after the retries")
{
  Lab lab;
  lab.host("arm").on_push = [](const auto&, int) { return connection_closed(); };
  SUBCASE("all or nothing")
  {
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::nothing_published);
    CHECK(lab.result("linux/arm64").retries == 2);
    CHECK(lab.host("arm").count("push ") == 3);
    CHECK(lab.result("linux/arm64").error->message.ends_with("during the push"));
    CHECK_FALSE(lab.registry.index(k_tag));
    CHECK(lab.clean());
  }
  SUBCASE("--allow-partial publishes the others, exit 3")
  {
    lab.options.allow_partial = true;
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::partial);
    CHECK(lab.registry.platforms(k_tag) ==
          std::vector<oci::Platform>{platform("linux/amd64"), platform("linux/ppc64le")});
    CHECK(lab.progress.warned("partial publish: 1 of 3 platforms failed"));
  }
}

TEST_CASE("engine: transient push errors are retried, the others are not")
{
  Lab lab;
  SUBCASE("503 twice, then the push goes through")
  {
    lab.host("amd").on_push = [](const auto&, const int attempt) -> std::optional<util::Error> {
      if (attempt <= 2) {
        // As the client reports a 503 it was answered: transient where it is made.
        return util::Error(util::ErrorClass::registry, "received unexpected HTTP status: 503 Service Unavailable")
            .with_transient();
      }
      return std::nullopt;
    };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::success);
    CHECK(lab.result("linux/amd64").retries == 2);
    CHECK(lab.progress.warned("retry 1/2"));
  }
  SUBCASE("refused credentials: one attempt")
  {
    lab.host("amd").on_push = [](const auto&, int) {
      return util::Error(util::ErrorClass::auth, "unauthorized: authentication required");
    };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::nothing_published);
    CHECK(lab.result("linux/amd64").retries == 0);
    CHECK(lab.host("amd").count("push ") == 1);
  }
}

TEST_CASE("engine: the list push is retried on a transient error")
{
  Lab lab;
  lab.host("amd").on_manifest_push = [](const auto&, const int attempt) -> std::optional<util::Error> {
    if (attempt == 1) {
      return util::Error(util::ErrorClass::api, "pushing: 502 Bad Gateway").with_transient();
    }
    return std::nullopt;
  };
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::success);
  CHECK(outcome.list_push_retries == 1);
  CHECK(lab.registry.platforms(k_tag) == three());
}

TEST_CASE("engine: an emulator crash is built again on the same host")
{
  Lab lab;
  lab.options.platforms.push_back(platform("linux/s390x"));
  std::atomic<int> crashes{0};
  lab.host("amd").on_build = [&crashes](const libpod::BuildRequest& request, const auto& on_event,
                                        const int attempt) -> Result<std::string> {
    if (request.platform == platform("linux/s390x") && ++crashes <= 2) {
      return emulator_crashes(on_event);
    }
    return fmt::format("{:0>64}", attempt);
  };
  SUBCASE("once: the second build succeeds")
  {
    lab.options.emulator_crash_retries = 2;
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::success);
    CHECK(lab.result("linux/s390x").emulator_crash_retries == 2);
    CHECK(lab.result("linux/s390x").host == "amd");
    CHECK(lab.progress.warned("building it again (1/2)"));
  }
  SUBCASE("more often than --emulator-crash-retries: the platform fails")
  {
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::nothing_published);
    CHECK(lab.result("linux/s390x").emulator_crash_retries == 1);
  }
}

TEST_CASE("engine: a native build that prints qemu's line is not an emulator crash")
{
  Lab lab;
  lab.host("arm").on_build = [](const auto&, const auto& on_event, int) { return emulator_crashes(on_event); };
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::nothing_published);
  CHECK(lab.result("linux/arm64").emulator_crash_retries == 0);
  CHECK(lab.host("arm").count("build ") == 1);
}

TEST_CASE("engine: a platform no host can build")
{
  Lab lab;
  lab.options.emulation = job::Emulation::never;
  lab.options.platforms.push_back(platform("linux/s390x"));
  SUBCASE("fails the run before anything is built")
  {
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::nothing_published);
    CHECK(outcome.error->message == "nothing published: 1 of 4 platforms have no host");
    CHECK(lab.builds() == 0);
  }
  SUBCASE("is left out with --allow-partial")
  {
    lab.options.allow_partial = true;
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::partial);
    CHECK(lab.registry.platforms(k_tag) == three());
  }
}

TEST_CASE("engine: shrink protection")
{
  Lab lab;
  const std::vector<std::string> four = {"linux/amd64", "linux/arm64", "linux/ppc64le", "linux/s390x"};
  lab.registry.put(k_tag, index_of(four));
  SUBCASE("a tag that serves more platforms is refused before anything is built")
  {
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::usage);
    CHECK(outcome.error->message == std::string(k_tag) + " serves linux/s390x now, which this run would drop");
    CHECK(lab.builds() == 0);
  }
  SUBCASE("--allow-shrink publishes the smaller list")
  {
    lab.options.allow_shrink = true;
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::success);
    CHECK(lab.registry.platforms(k_tag) == three());
  }
}

TEST_CASE("engine: a partial list that would drop a platform the tag serves is refused")
{
  Lab lab;
  lab.registry.put(k_tag, index_of({"linux/amd64", "linux/arm64", "linux/ppc64le"}));
  lab.options.allow_partial = true;
  lab.host("arm").on_build = step_fails;
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::usage);
  CHECK(outcome.error->message ==
        "nothing published: the partial list would drop linux/arm64/v8 from " + std::string(k_tag));
  CHECK(lab.host("amd").count("manifest push") == 0);
}

TEST_CASE("engine: --require")
{
  Lab lab;
  lab.options.allow_partial = true;
  SUBCASE("a required platform that failed publishes nothing")
  {
    lab.options.required = {platform("linux/arm64")};
    lab.host("arm").on_build = step_fails;
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::nothing_published);
    CHECK(outcome.error->message.starts_with("nothing published: required platform linux/arm64/v8 failed"));
    CHECK_FALSE(lab.registry.index(k_tag));
  }
  SUBCASE("a platform the run does not build is a usage error")
  {
    lab.options.required = {platform("linux/s390x")};
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::usage);
    CHECK(lab.builds() == 0);
  }
}

TEST_CASE("engine: Ctrl-C")
{
  Lab lab;
  SUBCASE("before the builds: nothing is built")
  {
    util::interrupt::request();
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::interrupted);
    CHECK(lab.builds() == 0);
    CHECK(lab.result("linux/amd64").state == job::Phase::skipped);
  }
  SUBCASE("during a build: nothing published, every name removed")
  {
    lab.host("arm").on_build = [](const auto&, const auto&, int) { return util::Unexpected(ctrl_c()); };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::interrupted);
    CHECK(outcome.error->message == "interrupted: nothing published");
    CHECK_FALSE(lab.registry.index(k_tag));
    CHECK(lab.clean());
  }
  SUBCASE("during a push")
  {
    lab.host("ppc").on_push = [](const auto&, int) { return ctrl_c(); };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::interrupted);
    CHECK(lab.host("ppc").count("push ") == 1);
    CHECK_FALSE(lab.registry.index(k_tag));
    CHECK(lab.clean());
  }
  SUBCASE("during the list push: the tag keeps what it served")
  {
    lab.host("amd").on_manifest_push = [](const auto&, int) { return ctrl_c(); };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::interrupted);
    CHECK(outcome.tags_not_pushed == std::vector<std::string>{k_tag});
    CHECK_FALSE(lab.registry.index(k_tag));
    CHECK(lab.clean());
  }
}

TEST_CASE("engine: --timeout stops the run as Ctrl-C does")
{
  Lab lab;
  lab.options.timeout = 20ms;
  lab.host("arm").build_delay = 80ms;
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::failure);
  CHECK(outcome.error->cls == util::ErrorClass::timeout);
  CHECK(outcome.error->message == "--timeout 0 s reached: nothing published");
  CHECK(lab.host("arm").count("push ") == 0);
  CHECK_FALSE(lab.registry.index(k_tag));
}

TEST_CASE("engine: the coordinator")
{
  Lab lab;
  SUBCASE("is the host that reads authenticated registries, newest podman first")
  {
    lab.host("amd").version = {4, 3, 1};
    lab.host("ppc").version = {5, 0, 0};
    lab.run();
    CHECK(lab.outcome.coordinator == "arm");
    CHECK(lab.host("arm").count("manifest push") == 1);
  }
  SUBCASE("is --manifest-host when given")
  {
    lab.options.manifest_host = "ppc";
    lab.run();
    CHECK(lab.outcome.coordinator == "ppc");
  }
  SUBCASE("must exist before anything is built")
  {
    for (const char* name : {"amd", "arm", "ppc"}) {
      lab.host(name).version = {4, 0, 0};
    }
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::usage);
    CHECK(outcome.error->message.find("can assemble the list: that needs podman 4.1 or newer") != std::string::npos);
    CHECK(lab.builds() == 0);
  }
}

TEST_CASE("engine: a coordinator that dies hands the list to the next host")
{
  Lab lab;
  lab.host("amd").on_manifest_push = [](const auto&, int) { return connection_closed(); };
  SUBCASE("which assembles it again and pushes it")
  {
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::success);
    CHECK(outcome.coordinator == "arm");
    CHECK(lab.host("arm").count("manifest add") == 3);
    CHECK(lab.registry.platforms(k_tag) == three());
    CHECK(lab.progress.warned("host amd, which assembled the list, failed"));
  }
  SUBCASE("except with --manifest-host")
  {
    lab.options.manifest_host = "amd";
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::failure);
    CHECK(outcome.tags_not_pushed == std::vector<std::string>{k_tag});
  }
}

TEST_CASE("engine: a list add that fails during the builds is redone before the push")
{
  Lab lab;
  std::atomic<int> adds{0};
  lab.host("amd").on_manifest_add = [&adds](const std::string&) -> std::optional<util::Error> {
    if (++adds == 2) {
      return util::Error(util::ErrorClass::api, "adding: 500 internal server error").with_transient();
    }
    return std::nullopt;
  };
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::success);
  CHECK(lab.host("amd").count("manifest create") == 2);
  CHECK(lab.registry.platforms(k_tag) == three());
}

TEST_CASE("engine: a tag that changed while the run built")
{
  Lab lab;
  SUBCASE("to a list with a platform this run lacks is not replaced")
  {
    lab.host("arm").on_build = [&lab](const auto&, const auto&, int) -> Result<std::string> {
      lab.registry.put(k_tag, index_of({"linux/amd64", "linux/s390x"}));
      return std::string(64, 'a');
    };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::usage);
    CHECK(outcome.error->message.find("changed while this run built: it serves linux/amd64, linux/s390x now") !=
          std::string::npos);
    CHECK(lab.registry.platforms(k_tag) ==
          std::vector<oci::Platform>{platform("linux/amd64"), platform("linux/s390x")});
  }
  SUBCASE("to a list this run covers is replaced, with a warning")
  {
    lab.host("arm").on_build = [&lab](const auto&, const auto&, int) -> Result<std::string> {
      lab.registry.put(k_tag, index_of({"linux/amd64"}));
      return std::string(64, 'a');
    };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::success);
    CHECK(lab.progress.warned("changed while this run built"));
    CHECK(lab.registry.platforms(k_tag) == three());
  }
}

TEST_CASE("engine: refused credentials fail the run before anything is built")
{
  Lab lab;
  lab.credentials = *auth::CredentialStore::from_auth_json(R"({"auths":{"127.0.0.1:5000":{"auth":"dTpw"}}})", "test");
  lab.registry.on_read = [](const std::string&, int) -> std::optional<Result<std::optional<registry::Manifest>>> {
    return util::fail(util::ErrorClass::auth, "unauthorized: authentication required");
  };
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::failure);
  CHECK(outcome.error->message == "before building: unauthorized: authentication required");
  CHECK(lab.builds() == 0);
}

TEST_CASE("engine: verification reads every tag back")
{
  Lab lab;
  SUBCASE("a tag that serves another index fails the run")
  {
    lab.registry.on_read = [](const std::string&,
                              const int reads) -> std::optional<Result<std::optional<registry::Manifest>>> {
      if (reads < 3) {
        return std::nullopt; // before the builds, and before the push
      }
      const std::string other = index_of({"linux/amd64"});
      return std::optional<registry::Manifest>(
          registry::Manifest{other, std::string(oci::media_type::oci_index), oci::digest_of(other)});
    };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::failure);
    CHECK(outcome.error->message.starts_with("verification: " + std::string(k_tag) + " serves index"));
    CHECK_FALSE(outcome.verified);
  }
  SUBCASE("a registry this machine cannot reach is read through the coordinator")
  {
    lab.registry.on_read = [](const std::string&, int) -> std::optional<Result<std::optional<registry::Manifest>>> {
      return util::fail(util::ErrorClass::connect, "connection refused");
    };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::success);
    CHECK(outcome.verified);
  }
}

TEST_CASE("engine: a list push refused for the second tag leaves the first tag moved")
{
  Lab lab;
  lab.options.tags.push_back(*oci::ImageRef::parse("127.0.0.1:5000/acme/app:latest"));
  lab.host("amd").on_manifest_push = [](const libpod::ManifestPushRequest& request, int) -> std::optional<util::Error> {
    if (request.destination.ends_with(":latest")) {
      return util::Error(util::ErrorClass::api, "manifest invalid");
    }
    return std::nullopt;
  };
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::failure);
  CHECK(outcome.tags == std::vector<std::string>{k_tag});
  CHECK(outcome.tags_not_pushed == std::vector<std::string>{"127.0.0.1:5000/acme/app:latest"});
  CHECK(outcome.error->message.find("still serves what it served before") != std::string::npos);
}

TEST_CASE("engine: a list pushed to another repository copies the images along")
{
  Lab lab;
  lab.options.tags.push_back(*oci::ImageRef::parse("127.0.0.1:5000/acme/mirror:1"));
  bool copied = false;
  lab.host("amd").on_manifest_push = [&copied](const libpod::ManifestPushRequest& request,
                                               int) -> std::optional<util::Error> {
    if (request.destination.find("mirror") != std::string::npos) {
      copied = request.all;
    }
    return std::nullopt;
  };
  CHECK(lab.run().exit_status == ExitStatus::success);
  CHECK(copied);
  CHECK(lab.registry.platforms("127.0.0.1:5000/acme/mirror:1") == three());
}

TEST_CASE("engine: --no-push builds, keeps its results under the run's names, publishes nothing")
{
  Lab lab;
  lab.options.no_push = true;
  SUBCASE("all built")
  {
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::success);
    CHECK(lab.host("amd").count("push ") == 0);
    CHECK(lab.host("amd").names().contains(lab.result("linux/amd64").image_name));
    CHECK_FALSE(lab.registry.index(k_tag));
  }
  SUBCASE("one failed")
  {
    lab.host("arm").on_build = step_fails;
    CHECK(lab.run().exit_status == ExitStatus::nothing_published);
  }
}

TEST_CASE("engine: --dry-run plans and touches nothing")
{
  Lab lab;
  lab.options.dry_run = true;
  lab.host("amd").version = {4, 3, 1};
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::success);
  CHECK(lab.builds() == 0);
  CHECK(lab.result("linux/amd64").pushed_to == "127.0.0.1:5000/acme/app:1-staging-linux-amd64");
  CHECK(libpod::by_digest_repository(lab.result("linux/arm64").pushed_to) == std::string(k_repository));
}

TEST_CASE("engine: podman before 4.9 pushes to the per-arch tag")
{
  Lab lab;
  lab.host("amd").version = {4, 3, 1};
  lab.options.arch_tag_format = "{tag}-{arch}";
  CHECK(lab.run().exit_status == ExitStatus::success);
  CHECK(lab.host("amd").count("push 127.0.0.1:5000/acme/app:1-amd64") == 1);
  CHECK(lab.result("linux/amd64").pushed_to == "127.0.0.1:5000/acme/app:1-amd64");
}

TEST_CASE("engine: an option a host's podman cannot carry stops the run before building")
{
  Lab lab;
  lab.host("ppc").version = {4, 3, 1};
  lab.options.settings.push_back({libpod::BuildOption::volume, {"/src:/src"}});
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::usage);
  CHECK(outcome.error->message.find("on host ppc (linux/ppc64le): nothing was built") != std::string::npos);
  CHECK(lab.builds() == 0);
}

TEST_CASE("engine: an unreachable host is left out of the plan")
{
  Lab lab;
  lab.host("ppc").unreachable = true;
  lab.options.platforms.clear(); // what the hosts serve
  const auto& outcome = lab.run();
  CHECK(outcome.exit_status == ExitStatus::success);
  CHECK(lab.registry.platforms(k_tag) == std::vector<oci::Platform>{platform("linux/amd64"), platform("linux/arm64")});
  CHECK(lab.progress.warned("connection refused"));
}

TEST_CASE("engine: cleanup removes by name only what the run named")
{
  Lab lab;
  const auto now = std::chrono::system_clock::now().time_since_epoch();
  const auto seconds = [&](const std::chrono::hours age) {
    return std::chrono::duration_cast<std::chrono::seconds>(now - age).count();
  };
  const std::string stale = fmt::format("{}build:{}-0badcafe-linux-amd64", job::k_owned_prefix, seconds(48h));
  const std::string recent = fmt::format("{}build:{}-0badcafe-linux-amd64", job::k_owned_prefix, seconds(1h));
  lab.host("amd").names_of_others = {stale, recent, "localhost/app:1"};
  CHECK(lab.run().exit_status == ExitStatus::success);
  CHECK(lab.clean());
  const auto calls = lab.host("amd").calls();
  CHECK(std::count(calls.begin(), calls.end(), "rmi " + stale) == 1);
  CHECK(std::count(calls.begin(), calls.end(), "rmi " + recent) == 0);
  for (const auto& call : calls) {
    if (call.starts_with("rmi ")) {
      CHECK(call.substr(4).starts_with(job::k_owned_prefix)); // never an ID, never a foreign name
    }
  }
  CHECK(lab.host("amd").count("manifest rm ") == 1);
}

TEST_CASE("engine: a host that hangs in cleanup costs its budget, and what it keeps is reported")
{
  Lab lab;
  lab.timings = {40ms, 20ms, 0ms};
  lab.host("arm").on_remove = [](const std::string&) -> std::optional<util::Error> {
    const auto until = util::deadline::current();
    while (until && std::chrono::steady_clock::now() < *until) {
      std::this_thread::sleep_for(5ms);
    }
    return util::Error(util::ErrorClass::timeout, "no answer");
  };
  const auto start = std::chrono::steady_clock::now();
  const auto& outcome = lab.run();
  CHECK(std::chrono::steady_clock::now() - start < 1s);
  CHECK(outcome.exit_status == ExitStatus::success);
  REQUIRE(outcome.left_behind.size() == 1);
  CHECK(outcome.left_behind.front().first == "arm");
  CHECK(outcome.left_behind.front().second == std::vector<std::string>{lab.result("linux/arm64").image_name});
  CHECK(lab.progress.warned("cleanup: host arm did not answer in time"));
}

TEST_CASE("engine: the run's names are unique to it and carry its platform")
{
  Lab lab;
  lab.run();
  std::set<std::string> names;
  for (const auto& result : lab.outcome.platforms) {
    CHECK(result.image_name.starts_with(std::string(job::k_owned_prefix) + "build:"));
    CHECK(job::owned_name_time(result.image_name).has_value());
    names.insert(result.image_name);
  }
  CHECK(names.size() == 3);
  CHECK(lab.result("linux/arm64").image_name.ends_with("-linux-arm64v8"));
}

namespace {

constexpr const char* k_base = "127.0.0.1:5000/lab/base:1";

// Incremental builds: the Containerfile starts FROM k_base, whose list the
// registry serves with one image per platform ("base-" + `generation` + platform).
std::string
incremental(Lab& lab, const std::string& generation = "1")
{
  std::ofstream(lab.options.containerfile) << "FROM " << k_base << "\nCOPY hello /\n";
  std::vector<FakeEntry> entries;
  for (const auto& p : three()) {
    entries.push_back({oci::digest_of("base-" + generation + p.to_string()), p, {}});
  }
  return lab.registry.put(k_base, index_json(entries));
}

// The images the last run pushed exist in the registry from now on.
void
keep_pushed(Lab& lab)
{
  for (const auto& result : lab.outcome.platforms) {
    lab.registry.put_image(std::string(k_repository) + "@" + result.digest, result.platform);
  }
}

size_t
calls(Lab& lab, const std::string& prefix)
{
  size_t total = 0;
  for (const auto& name : {"amd", "arm", "ppc"}) {
    total += lab.host(name).count(prefix);
  }
  return total;
}

std::vector<std::string>
build_contexts(const libpod::BuildRequest& request)
{
  for (const auto& setting : request.settings) {
    if (setting.option == libpod::BuildOption::build_context) {
      return setting.values;
    }
  }
  return {};
}

} // namespace

TEST_CASE("engine: an unchanged build builds and pushes nothing, and its tag keeps its list")
{
  Lab lab;
  incremental(lab);
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  CHECK(lab.result("linux/amd64").change == "built");
  const std::string index = lab.outcome.index_digest;
  const auto list = lab.registry.index(k_tag);
  REQUIRE(list);
  CHECK(list->manifests.front().annotations.at("io.podman-multiarch.inputs") ==
        lab.result("linux/amd64").inputs->digest);
  keep_pushed(lab);
  const size_t builds = lab.builds();
  const size_t pushes = calls(lab, "push ");
  const size_t list_calls = calls(lab, "manifest ");

  REQUIRE(lab.run().exit_status == ExitStatus::success);
  CHECK(lab.builds() == builds);
  CHECK(calls(lab, "push ") == pushes);
  CHECK(calls(lab, "manifest ") == list_calls);
  for (const auto& result : lab.outcome.platforms) {
    CHECK(result.change == "unchanged");
    CHECK(result.state == job::Phase::done);
  }
  CHECK(lab.outcome.index_digest == index);
  CHECK(lab.outcome.tags == std::vector<std::string>{k_tag});
  CHECK(lab.clean());

  SUBCASE("--check says so, exit 0")
  {
    lab.options.check = true;
    CHECK(lab.run().exit_status == ExitStatus::success);
    CHECK(lab.builds() == builds);
  }
  SUBCASE("--rebuild builds them all the same")
  {
    lab.options.rebuild = true;
    REQUIRE(lab.run().exit_status == ExitStatus::success);
    CHECK(lab.builds() == builds + 3);
    CHECK(lab.result("linux/arm64").change == "rebuilt: --rebuild");
  }
  SUBCASE("a new tag gets the list, nothing is built")
  {
    lab.options.tags.push_back(*oci::ImageRef::parse("127.0.0.1:5000/acme/app:latest"));
    REQUIRE(lab.run().exit_status == ExitStatus::success);
    CHECK(lab.builds() == builds);
    CHECK(lab.registry.index("127.0.0.1:5000/acme/app:latest"));
  }
}

TEST_CASE("engine: each platform's base is pinned to the digest resolved for it, whatever the tag says later")
{
  Lab lab;
  incremental(lab);
  int base_reads = 0;
  lab.registry.on_read = [&](const std::string& tag, int) -> std::optional<Result<std::optional<registry::Manifest>>> {
    if (tag == k_base && ++base_reads == 2) {
      incremental(lab, "moved"); // the tag moves during the run: read once, so nothing follows it
    }
    return std::nullopt;
  };
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  CHECK(base_reads == 1);
  const auto requests = lab.host("arm").requests();
  REQUIRE(requests.size() == 1);
  CHECK(build_contexts(requests.front()) ==
        std::vector<std::string>{
            fmt::format("{}=image:127.0.0.1:5000/lab/base@{}", k_base, oci::digest_of("base-1linux/arm64/v8"))});
  CHECK(lab.result("linux/arm64").inputs->bases.at(k_base) == oci::digest_of("base-1linux/arm64/v8"));
}

TEST_CASE("engine: what changed is built again, and only that")
{
  Lab lab;
  incremental(lab);
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  keep_pushed(lab);
  const size_t builds = lab.builds();
  const std::string index = lab.outcome.index_digest;

  SUBCASE("a base image for one platform")
  {
    std::vector<FakeEntry> entries;
    for (const auto& p : three()) {
      entries.push_back({oci::digest_of((p.architecture == "arm64" ? "base-2" : "base-1") + p.to_string()), p, {}});
    }
    lab.registry.put(k_base, index_json(entries));
    REQUIRE(lab.run().exit_status == ExitStatus::success);
    CHECK(lab.builds() == builds + 1);
    CHECK(lab.result("linux/arm64").change == fmt::format("rebuilt: base {} {} → {}", k_base,
                                                          oci::digest_of("base-1linux/arm64/v8").substr(0, 19),
                                                          oci::digest_of("base-2linux/arm64/v8").substr(0, 19)));
    CHECK(lab.result("linux/amd64").change == "unchanged");
    CHECK(lab.outcome.index_digest != index);
    CHECK(lab.registry.platforms(k_tag).size() == 3);
  }
  SUBCASE("a file of the context")
  {
    std::ofstream(lab.options.context_dir / "hello") << "hello again\n";
    REQUIRE(lab.run().exit_status == ExitStatus::success);
    CHECK(lab.builds() == builds + 3);
    CHECK(lab.result("linux/ppc64le").change == "rebuilt: context changed");
  }
  SUBCASE("an image the registry lost")
  {
    const std::string lost = std::string(k_repository) + "@" + lab.result("linux/amd64").digest;
    lab.registry.on_image = [lost](const std::string& image) -> std::optional<Result<std::optional<oci::Platform>>> {
      if (image == lost) {
        return Result<std::optional<oci::Platform>>(std::optional<oci::Platform>());
      }
      return std::nullopt;
    };
    REQUIRE(lab.run().exit_status == ExitStatus::success);
    CHECK(lab.builds() == builds + 1);
    CHECK(lab.result("linux/amd64").change.starts_with("rebuilt: its image sha256:"));
    CHECK(lab.result("linux/amd64").change.ends_with("is gone from 127.0.0.1:5000/acme/app"));
  }
  SUBCASE("--check: exit 5, nothing built")
  {
    lab.options.build_args["V"] = "2";
    lab.options.check = true;
    CHECK(lab.run().exit_status == ExitStatus::would_build);
    CHECK(lab.builds() == builds);
    CHECK(lab.result("linux/amd64").change == "rebuilt: options changed");
    CHECK(lab.result("linux/amd64").state == job::Phase::queued);
    CHECK(lab.registry.index(k_tag)->manifests.size() == 3);
  }
}

TEST_CASE("engine: a base that cannot be pinned builds every time, and records no fingerprint")
{
  Lab lab;
  std::ofstream(lab.options.containerfile) << "FROM alpine\nCOPY hello /\n";
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  keep_pushed(lab);
  CHECK(lab.result("linux/amd64").change.starts_with("built: not pinned (alpine: a short name"));
  CHECK_FALSE(lab.registry.index(k_tag)->manifests.front().annotations.contains("io.podman-multiarch.inputs"));
  const size_t builds = lab.builds();
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  CHECK(lab.builds() == builds + 3);
}

TEST_CASE("engine: a build that lost its cache lookup to another build's removal is built again")
{
  Lab lab;
  lab.host("arm").on_build = [](const libpod::BuildRequest&, const auto&, const int attempt) -> Result<std::string> {
    if (attempt == 1) {
      return util::fail(ErrorClass::api, "build failed: checking if cached image exists from a previous build: "
                                         "getting top layer info: layer not known");
    }
    return std::string(64, 'a');
  };
  REQUIRE(lab.run().exit_status == ExitStatus::success);
  CHECK(lab.host("arm").count("build ") == 2);
  CHECK(lab.progress.warned("lost an image while looking up its layer cache"));
}

TEST_SUITE_END();

namespace {

// Signs nothing for real: records the order of the steps over FakeRegistry,
// where the coordinator's list pushes land.
class FakeSigner : public job::ReleaseSigner {
public:
  explicit FakeSigner(FakeRegistry& registry)
    : m_registry(registry)
  {
  }

  Result<job::StagedList>
  sign(const oci::ImageRef& staged, const std::vector<oci::ImageRef>& tags, job::SignReport& report) override
  {
    steps.push_back("sign " + staged.tag + " for " + std::to_string(tags.size()));
    if (on_sign) {
      if (auto error = on_sign()) {
        return util::Unexpected(*error);
      }
    }
    const auto read = m_registry.read(staged);
    REQUIRE(read);
    REQUIRE(read->has_value());
    ++report.signed_manifests;
    return job::StagedList{staged, (*read)->digest, (*read)->media_type, (*read)->bytes, {}};
  }
  Result<void>
  move_tag(const job::StagedList& list, const oci::ImageRef& tag) override
  {
    steps.push_back("move " + tag.tag);
    m_registry.put(tag.to_string(), list.bytes);
    return {};
  }
  Result<bool>
  remove_staging(const oci::ImageRef& staged, const std::string& /*note*/) override
  {
    steps.push_back("remove " + staged.tag);
    m_registry.erase(staged.to_string());
    return true;
  }

  std::vector<std::string> steps;
  std::function<std::optional<util::Error>()> on_sign;

private:
  FakeRegistry& m_registry;
};

} // namespace

TEST_CASE("engine: a signed publish moves the tags last, to the list it signed")
{
  Lab lab;
  FakeSigner signer(lab.registry);
  lab.signer = &signer;
  lab.options.tags.push_back(*oci::ImageRef::parse(std::string(k_repository) + ":latest"));
  lab.registry.put(k_tag,
                   R"({"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]})");
  lab.options.allow_shrink = true;

  SUBCASE("signed: one staging push, then the tags, then the staging tag is removed")
  {
    const auto& outcome = lab.run();
    REQUIRE_MESSAGE(outcome.exit_status == ExitStatus::success, (outcome.error ? outcome.error->describe() : ""));
    REQUIRE(signer.steps.size() == 4);
    CHECK(signer.steps[0].starts_with("sign podman-multiarch-staging-"));
    CHECK(signer.steps[0].ends_with(" for 2"));
    CHECK(signer.steps[1] == "move 1");
    CHECK(signer.steps[2] == "move latest");
    CHECK(signer.steps[3].starts_with("remove podman-multiarch-staging-"));
    CHECK(lab.host("amd").count("manifest push") == 1); // podman pushed only to the staging tag
    CHECK(lab.registry.platforms(k_tag) == three());
    CHECK(outcome.tags.size() == 2);
    REQUIRE(outcome.signing);
    CHECK(outcome.signing->signed_manifests == 1);
    CHECK(outcome.verified);
  }
  SUBCASE("signing fails: no tag moves, the staging tag is removed")
  {
    signer.on_sign = [] { return util::Error(util::ErrorClass::registry, "blob upload answered 403"); };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::failure);
    CHECK(outcome.error->message.find("signing: ") != std::string::npos);
    CHECK(outcome.error->message.find("no tag moved") != std::string::npos);
    CHECK(outcome.tags.empty());
    CHECK(lab.registry.index(k_tag)->manifests.empty()); // what it served before
    CHECK_FALSE(lab.registry.index(std::string(k_repository) + ":latest"));
    REQUIRE(signer.steps.size() == 2);
    CHECK(signer.steps[1].starts_with("remove "));
  }
  SUBCASE("Ctrl-C while signing: no tag moves")
  {
    signer.on_sign = [] {
      util::interrupt::request();
      return std::optional<util::Error>();
    };
    const auto& outcome = lab.run();
    CHECK(outcome.exit_status == ExitStatus::interrupted);
    CHECK(outcome.tags.empty());
    CHECK(lab.registry.index(k_tag)->manifests.empty());
    CHECK(std::none_of(signer.steps.begin(), signer.steps.end(),
                       [](const std::string& step) { return step.starts_with("move "); }));
    CHECK(signer.steps.back().starts_with("remove "));
  }
}
