// build --fragment and publish against fake hosts (fake_hosts.hpp): what a
// fragment records, and the rules publish applies to fragments before any list
// moves — platforms missing or in two fragments, images missing from the
// registry or not of the platform claimed, tags that disagree, shrinking.
#include <pma/auth/credentials.hpp>
#include <pma/job/publish.hpp>
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

oci::ImageRef
ref(const std::string& text)
{
  return *oci::ImageRef::parse(text);
}

// A fragment of target acme/app from `runner`: an image per platform of
// `built`, asked for `asked` (default: the built ones).
job::FragmentSource
fragment(const std::string& source, const std::string& runner, const std::vector<std::string>& built,
         const std::vector<std::string>& asked = {}, const std::string& tag = k_tag)
{
  job::FragmentTarget target;
  target.name = "acme/app";
  target.tags = {ref(tag)};
  for (const auto& text : asked.empty() ? built : asked) {
    target.platforms.push_back(platform(text));
  }
  for (const auto& text : built) {
    job::FragmentImage image;
    image.platform = platform(text);
    image.digest = oci::digest_of(runner + text);
    image.reference = ref(k_repository).with_digest(image.digest);
    image.host = runner + "-host";
    image.podman_version = "5.4.2";
    image.duration = 1500ms;
    target.images.push_back(std::move(image));
  }
  job::Fragment out;
  out.run_id = "1764500000-" + runner;
  out.runner.hostname = runner;
  out.targets.push_back(std::move(target));
  return {source, std::move(out)};
}

// Hosts (a coordinator unless a test adds others), a registry, a context for
// build --fragment, and publish's options.
struct Lab {
  Lab()
  {
    util::interrupt::reset();
    std::ofstream(m_context / "Containerfile") << "FROM scratch\nCOPY hello /\n";
    std::ofstream(m_context / "hello") << "hello\n";
    build.context_dir = m_context;
    build.containerfile = (m_context / "Containerfile").string();
    build.tags = {ref(k_tag)};
    build.retry = {1, 0ms};
    build.fragment = true;
    publish.retry = {1, 0ms};
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
  // The fragment, given to publish, and its images in the registry as they claim.
  void
  give(job::FragmentSource source)
  {
    for (const auto& target : source.fragment.targets) {
      for (const auto& image : target.images) {
        registry.put_image(image.reference.to_string(), image.platform);
      }
    }
    publish.fragments.push_back(std::move(source));
  }
  job::PublishOutcome&
  run_publish()
  {
    job::Environment env{connector, registry, progress, timings};
    published = job::run_publish(publish, configs, {}, credentials, env);
    return published;
  }
  job::BuildOutcome&
  run_build()
  {
    job::Environment env{connector, registry, progress, timings};
    built = job::run_build(build, configs, {}, credentials, env);
    return built;
  }
  std::string
  error() const
  {
    return published.error ? published.error->describe() : "";
  }
  // Every name a run gave is gone from every host.
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
  list_calls() const
  {
    size_t total = 0;
    for (const auto& h : m_hosts) {
      total += h.count("manifest ");
    }
    return total;
  }

  FakeRegistry registry;
  FakeConnector connector{registry};
  RecordingProgress progress;
  std::vector<config::Host> configs;
  job::BuildOptions build;
  job::PublishOptions publish;
  auth::CredentialStore credentials = *auth::CredentialStore::from_auth_json("{}", "test");
  job::Timings timings{500ms, 200ms, 0ms};
  job::BuildOutcome built;
  job::PublishOutcome published;

private:
  std::filesystem::path m_context = [] {
    std::string dir = (std::filesystem::temp_directory_path() / "pma-fragment-XXXXXX").string();
    REQUIRE(::mkdtemp(dir.data()) != nullptr);
    return std::filesystem::path(dir);
  }();
  std::deque<FakeHost> m_hosts;
};

std::vector<oci::Platform>
platforms(const std::vector<std::string>& texts)
{
  std::vector<oci::Platform> out;
  out.reserve(texts.size());
  for (const auto& text : texts) {
    out.push_back(platform(text));
  }
  return out;
}

} // namespace

TEST_SUITE_BEGIN("job");

TEST_CASE("build --fragment: pushed by digest, recorded, no list and no tag moved")
{
  Lab lab;
  lab.add("amd", "linux/amd64");
  lab.add("arm", "linux/arm64", {4, 3, 1});
  lab.build.platforms = platforms({"linux/amd64", "linux/arm64"});
  const auto& outcome = lab.run_build();
  CHECK_MESSAGE(outcome.exit_status == ExitStatus::success, (outcome.error ? outcome.error->describe() : ""));
  CHECK(lab.list_calls() == 0);
  CHECK(!lab.registry.index(k_tag));
  CHECK(outcome.tags.empty());
  CHECK(lab.clean());
  REQUIRE(outcome.fragment);
  const auto& fragment = *outcome.fragment;
  CHECK(!fragment.run_id.empty());
  REQUIRE(fragment.targets.size() == 1);
  const auto& target = fragment.targets.front();
  CHECK(target.name == "acme/app");
  CHECK(target.tags == std::vector<oci::ImageRef>{ref(k_tag)});
  CHECK(target.platforms == platforms({"linux/amd64", "linux/arm64"}));
  REQUIRE(target.images.size() == 2);
  for (const auto& image : target.images) {
    CHECK(oci::is_sha256_digest(image.digest));
    CHECK(image.reference.to_string() == std::string(k_repository) + "@" + image.digest);
  }
  CHECK(target.images[0].podman_version == "5.4.2");
  CHECK(target.images[0].staging_tag.empty());
  // podman 4.3.1 cannot push by digest: the staging tag is recorded, and the digest its push reported.
  CHECK(target.images[1].podman_version == "4.3.1");
  CHECK(target.images[1].staging_tag == "127.0.0.1:5000/acme/app:1-staging-linux-arm64-v8");
  CHECK(lab.host("arm").count("push 127.0.0.1:5000/acme/app:1-staging-linux-arm64-v8") == 1);
}

TEST_CASE("build --fragment: a failed platform writes no fragment, --allow-partial the others")
{
  Lab lab;
  lab.add("amd", "linux/amd64");
  lab.add("arm", "linux/arm64").on_build = [](const libpod::BuildRequest&,
                                              const std::function<void(const libpod::BuildEvent&)>&, int) {
    return Result<std::string>(util::fail(util::ErrorClass::api, "build failed: RUN false"));
  };
  lab.build.platforms = platforms({"linux/amd64", "linux/arm64"});
  SUBCASE("all or nothing")
  {
    const auto& outcome = lab.run_build();
    CHECK(outcome.exit_status == ExitStatus::nothing_published);
    CHECK(!outcome.fragment);
    REQUIRE(outcome.error);
    CHECK(outcome.error->message.starts_with("no fragment written: 1 of 2 platforms failed"));
  }
  SUBCASE("--allow-partial")
  {
    lab.build.allow_partial = true;
    const auto& outcome = lab.run_build();
    CHECK(outcome.exit_status == ExitStatus::partial);
    REQUIRE(outcome.fragment);
    const auto& target = outcome.fragment->targets.front();
    CHECK(target.platforms.size() == 2); // publish sees that arm64 was asked for
    REQUIRE(target.images.size() == 1);
    CHECK(target.images[0].platform == platform("linux/amd64"));
  }
  CHECK(lab.list_calls() == 0);
}

TEST_CASE("build --fragment needs no coordinator and checks no shrink")
{
  Lab lab;
  lab.add("old", "linux/amd64", {4, 0, 0}); // too old to assemble a list
  lab.registry.put(k_tag, index_json({{oci::digest_of("x"), platform("linux/s390x")}}));
  lab.build.platforms = platforms({"linux/amd64"});
  const auto& outcome = lab.run_build();
  CHECK_MESSAGE(outcome.exit_status == ExitStatus::success, (outcome.error ? outcome.error->describe() : ""));
  CHECK(lab.registry.platforms(k_tag) == platforms({"linux/s390x"}));
}

TEST_CASE("publish: two runners' fragments become one verified list")
{
  Lab lab;
  auto& coordinator = lab.add("coord", "linux/amd64");
  const auto a = fragment("a.json", "runner-a", {"linux/amd64", "linux/arm64"});
  const auto b = fragment("b.json", "runner-b", {"linux/ppc64le", "linux/s390x"});
  lab.give(a);
  lab.give(b);
  const auto& outcome = lab.run_publish();
  CHECK_MESSAGE(outcome.exit_status == ExitStatus::success, lab.error());
  REQUIRE(outcome.targets.size() == 1);
  const auto& target = outcome.targets.front();
  CHECK(target.name == "acme/app");
  CHECK(target.fragments == std::vector<std::string>{"a.json", "b.json"});
  CHECK(target.outcome.verified);
  CHECK(target.outcome.tags == std::vector<std::string>{k_tag});
  CHECK(!target.outcome.index_digest.empty());
  CHECK(outcome.coordinator == "coord");
  // In the fragments' order, each at the digest its fragment names.
  const auto index = lab.registry.index(k_tag);
  REQUIRE(index);
  REQUIRE(index->manifests.size() == 4);
  CHECK(index->manifests[0].digest == a.fragment.targets[0].images[0].digest);
  CHECK(index->manifests[3].digest == b.fragment.targets[0].images[1].digest);
  CHECK(lab.registry.platforms(k_tag) == platforms({"linux/amd64", "linux/arm64/v8", "linux/ppc64le", "linux/s390x"}));
  // Only the list is the run's: removed; the images are the fragments'.
  CHECK(lab.clean());
  CHECK(coordinator.count("rmi ") == 0);
  CHECK(coordinator.count("manifest rm ") == 1);
}

TEST_CASE("publish: a platform missing from the fragments")
{
  Lab lab;
  lab.add("coord", "linux/amd64");
  lab.give(fragment("a.json", "runner-a", {"linux/amd64", "linux/arm64"}));
  SUBCASE("only --platform knows a runner never ran")
  {
    lab.publish.platforms = platforms({"linux/amd64", "linux/arm64", "linux/s390x"});
    CHECK(lab.run_publish().exit_status == ExitStatus::nothing_published);
    CHECK(lab.error().find("linux/s390x: no fragment has an image for it") != std::string::npos);
    CHECK(!lab.registry.index(k_tag));
    CHECK(lab.list_calls() == 0);
  }
  SUBCASE("a fragment that asked for it and did not build it")
  {
    lab.publish.fragments.clear();
    lab.give(fragment("a.json", "runner-a", {"linux/amd64"}, {"linux/amd64", "linux/arm64"}));
    CHECK(lab.run_publish().exit_status == ExitStatus::nothing_published);
    CHECK(lab.error().find("1 of 2 platforms failed") != std::string::npos);
  }
  SUBCASE("--allow-partial publishes the others")
  {
    lab.publish.platforms = platforms({"linux/amd64", "linux/arm64", "linux/s390x"});
    lab.publish.allow_partial = true;
    CHECK(lab.run_publish().exit_status == ExitStatus::partial);
    CHECK(lab.registry.platforms(k_tag) == platforms({"linux/amd64", "linux/arm64/v8"}));
  }
  SUBCASE("--require")
  {
    lab.publish.platforms = platforms({"linux/amd64", "linux/arm64", "linux/s390x"});
    lab.publish.required = platforms({"linux/s390x"});
    CHECK(lab.run_publish().exit_status == ExitStatus::nothing_published);
    CHECK(lab.error().find("required platform linux/s390x failed") != std::string::npos);
  }
  SUBCASE("a fragment's image that --platform does not name")
  {
    lab.publish.platforms = platforms({"linux/amd64"});
    CHECK(lab.run_publish().exit_status == ExitStatus::usage);
    CHECK(lab.error().find("which --platform does not name") != std::string::npos);
  }
}

TEST_CASE("publish: a platform in two fragments is refused, naming both")
{
  Lab lab;
  lab.add("coord", "linux/amd64");
  lab.give(fragment("a.json", "runner-a", {"linux/amd64", "linux/arm64"}));
  lab.give(fragment("b.json", "runner-b", {"linux/arm64", "linux/s390x"}));
  CHECK(lab.run_publish().exit_status == ExitStatus::usage);
  const std::string error = lab.error();
  CHECK(error.find("linux/arm64/v8 of acme/app is in two fragments") != std::string::npos);
  CHECK(error.find("a.json (runner runner-a, run 1764500000-runner-a) has sha256:") != std::string::npos);
  CHECK(error.find(", b.json (runner runner-b, run 1764500000-runner-b) has sha256:") != std::string::npos);
  CHECK(lab.list_calls() == 0);
}

TEST_CASE("publish: every image must be in the registry, of the platform its fragment claims")
{
  Lab lab;
  lab.add("coord", "linux/amd64");
  lab.registry.put(k_tag, index_json({{oci::digest_of("old"), platform("linux/amd64")}}));
  const std::string before = (*lab.registry.read(ref(k_tag)))->digest;
  auto a = fragment("a.json", "runner-a", {"linux/amd64"});
  auto b = fragment("b.json", "runner-b", {"linux/arm64"});
  lab.give(a);
  lab.give(b);
  const std::string arm_image = b.fragment.targets[0].images[0].reference.to_string();
  SUBCASE("missing")
  {
    lab.registry.on_image = [&](const std::string& image) -> std::optional<Result<std::optional<oci::Platform>>> {
      return image == arm_image ? std::optional(Result<std::optional<oci::Platform>>(std::optional<oci::Platform>()))
                                : std::nullopt;
    };
    CHECK(lab.run_publish().exit_status == ExitStatus::nothing_published);
    CHECK(lab.error().find(arm_image +
                           " from b.json (runner runner-b, run 1764500000-runner-b) is not in the registry") !=
          std::string::npos);
  }
  SUBCASE("mislabelled")
  {
    lab.registry.put_image(arm_image, platform("linux/amd64"));
    CHECK(lab.run_publish().exit_status == ExitStatus::nothing_published);
    CHECK(lab.error().find("says linux/arm64/v8, but the config of " + arm_image + " says linux/amd64") !=
          std::string::npos);
  }
  SUBCASE("unreadable")
  {
    lab.registry.on_image = [](const std::string&) -> std::optional<Result<std::optional<oci::Platform>>> {
      return Result<std::optional<oci::Platform>>(util::fail(util::ErrorClass::auth, "unauthorized"));
    };
    CHECK(lab.run_publish().exit_status == ExitStatus::nothing_published);
    CHECK(lab.error().find("cannot check") != std::string::npos);
  }
  CHECK((*lab.registry.read(ref(k_tag)))->digest == before); // nothing published
  CHECK(lab.list_calls() == 0);
}

TEST_CASE("publish: the fragments of a target must agree on its tags, unless --tag names them")
{
  Lab lab;
  lab.add("coord", "linux/amd64");
  lab.give(fragment("a.json", "runner-a", {"linux/amd64"}));
  lab.give(fragment("b.json", "runner-b", {"linux/arm64"}, {}, "127.0.0.1:5000/acme/app:2"));
  SUBCASE("refused")
  {
    CHECK(lab.run_publish().exit_status == ExitStatus::usage);
    CHECK(lab.error().find("the fragments of acme/app disagree on its tags: a.json") != std::string::npos);
    CHECK(lab.list_calls() == 0);
  }
  SUBCASE("--tag")
  {
    lab.publish.tags = {ref("127.0.0.1:5000/acme/app:3"), ref("127.0.0.1:5000/acme/other:3")};
    CHECK_MESSAGE(lab.run_publish().exit_status == ExitStatus::success, lab.error());
    CHECK(lab.registry.platforms("127.0.0.1:5000/acme/app:3") == platforms({"linux/amd64", "linux/arm64/v8"}));
    CHECK(lab.registry.platforms("127.0.0.1:5000/acme/other:3") == platforms({"linux/amd64", "linux/arm64/v8"}));
    CHECK(!lab.registry.index(k_tag));
  }
}

TEST_CASE("publish: shrink protection")
{
  Lab lab;
  lab.add("coord", "linux/amd64");
  lab.registry.put(k_tag, index_json({{oci::digest_of("1"), platform("linux/amd64")},
                                      {oci::digest_of("2"), platform("linux/s390x")}}));
  lab.give(fragment("a.json", "runner-a", {"linux/amd64"}));
  CHECK(lab.run_publish().exit_status == ExitStatus::usage);
  CHECK(lab.error().find("which this run would drop") != std::string::npos);
  CHECK(lab.registry.platforms(k_tag) == platforms({"linux/amd64", "linux/s390x"}));
  lab.publish.allow_shrink = true;
  CHECK(lab.run_publish().exit_status == ExitStatus::success);
  CHECK(lab.registry.platforms(k_tag) == platforms({"linux/amd64"}));
}

TEST_CASE("publish: several targets, all or nothing")
{
  Lab lab;
  lab.add("coord", "linux/amd64");
  auto a = fragment("a.json", "runner-a", {"linux/amd64"});
  auto tools = fragment("a.json", "runner-a", {"linux/amd64"}, {}, "127.0.0.1:5000/acme/tools:1");
  tools.fragment.targets[0].name = "acme/tools";
  tools.fragment.targets[0].images[0].reference = ref("127.0.0.1:5000/acme/tools").with_digest(oci::digest_of("t"));
  tools.fragment.targets[0].images[0].digest = oci::digest_of("t");
  a.fragment.targets.push_back(tools.fragment.targets[0]);
  lab.give(a);
  SUBCASE("both published, each under its own name on the coordinator")
  {
    CHECK_MESSAGE(lab.run_publish().exit_status == ExitStatus::success, lab.error());
    CHECK(lab.published.targets.size() == 2);
    CHECK(lab.registry.platforms(k_tag) == platforms({"linux/amd64"}));
    CHECK(lab.registry.platforms("127.0.0.1:5000/acme/tools:1") == platforms({"linux/amd64"}));
    CHECK(lab.host("coord").count("manifest create ") == 2);
    CHECK(lab.clean());
  }
  SUBCASE("one refused: neither is published")
  {
    lab.registry.on_image = [](const std::string& image) -> std::optional<Result<std::optional<oci::Platform>>> {
      return image.find("/acme/tools@") != std::string::npos
                 ? std::optional(Result<std::optional<oci::Platform>>(std::optional<oci::Platform>()))
                 : std::nullopt;
    };
    CHECK(lab.run_publish().exit_status == ExitStatus::nothing_published);
    CHECK(lab.error().starts_with("acme/tools: nothing published"));
    CHECK(!lab.registry.index(k_tag));
    CHECK(lab.list_calls() == 0);
  }
  SUBCASE("--tag names one list's tags")
  {
    lab.publish.tags = {ref(k_tag)};
    CHECK(lab.run_publish().exit_status == ExitStatus::usage);
    CHECK(lab.error().find("--tag names the tags of one list, and the fragments hold 2") != std::string::npos);
  }
}

TEST_CASE("publish: no host can assemble the list")
{
  Lab lab;
  lab.add("old", "linux/amd64", {4, 0, 0});
  lab.give(fragment("a.json", "runner-a", {"linux/amd64"}));
  CHECK(lab.run_publish().exit_status == ExitStatus::usage);
  CHECK(lab.error().find("can assemble the list") != std::string::npos);
  CHECK(!lab.registry.index(k_tag));
}

TEST_SUITE_END();
