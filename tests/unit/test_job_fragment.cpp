// build --fragment against fake hosts (fake_hosts.hpp): what a fragment
// records, and when a run writes none.
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

oci::ImageRef
ref(const std::string& text)
{
  return *oci::ImageRef::parse(text);
}

// Hosts, a registry, and a context for build --fragment.
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
  job::BuildOutcome&
  run_build()
  {
    job::Environment env{connector, registry, progress, timings};
    built = job::run_build(build, configs, {}, credentials, env);
    return built;
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
  auth::CredentialStore credentials = *auth::CredentialStore::from_auth_json("{}", "test");
  job::Timings timings{500ms, 200ms, 0ms};
  job::BuildOutcome built;

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

TEST_SUITE_END();
