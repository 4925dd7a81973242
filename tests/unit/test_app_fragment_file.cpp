// Fragment files: what build --fragment writes reads back the same, and a
// file that is not a fragment is refused with its name and the field at fault.
#include <pma/app/fragment_file.hpp>
#include <pma/oci/digest.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

using namespace pma;
using namespace pma::app;
using namespace std::chrono_literals;
using util::ErrorClass;

TEST_SUITE_BEGIN("app");

namespace {

template <typename T>
std::string
message_of(const util::Result<T>& result)
{
  REQUIRE_FALSE(result);
  CHECK(result.error().cls == ErrorClass::usage);
  return result.error().describe();
}

job::Fragment
sample()
{
  job::Fragment fragment;
  fragment.run_id = "1764521082-0a1b2c3d";
  fragment.tool_version = "0.1.0";
  fragment.created = "2026-11-30T16:44:42Z";
  fragment.runner.hostname = "ci-runner-7";
  fragment.runner.ci = {{"GITHUB_RUN_ID", "123"}, {"GITHUB_JOB", "build-arm"}};
  job::FragmentTarget target;
  target.name = "acme/app";
  target.tags = {*oci::ImageRef::parse("quay.io/acme/app:1.4"), *oci::ImageRef::parse("quay.io/acme/app:latest")};
  target.platforms = {*oci::Platform::parse("linux/arm64"), *oci::Platform::parse("linux/s390x")};
  target.format = "docker";
  target.index_annotations = {"org.example.release=1.4"};
  job::FragmentImage arm;
  arm.platform = target.platforms[0];
  arm.digest = oci::digest_of("arm");
  arm.reference = oci::ImageRef::parse("quay.io/acme/app")->with_digest(arm.digest);
  arm.host = "pi";
  arm.podman_version = "5.4.2";
  arm.duration = 1234ms;
  job::FragmentImage z = arm;
  z.platform = target.platforms[1];
  z.digest = oci::digest_of("z");
  z.reference = oci::ImageRef::parse("quay.io/acme/app")->with_digest(z.digest);
  z.staging_tag = "quay.io/acme/app:1.4-staging-linux-s390x";
  z.host = "z15";
  z.podman_version = "4.3.1";
  target.images = {arm, z};
  fragment.targets.push_back(target);
  return fragment;
}

// sample()'s JSON with `from` replaced by `to` (once).
std::string
edited(const std::string& from, const std::string& to)
{
  std::string text = fragment_json(sample());
  const size_t at = text.find(from);
  REQUIRE(at != std::string::npos);
  return text.replace(at, from.size(), to);
}

} // namespace

TEST_CASE("fragment files: what is written reads back the same")
{
  const auto fragment = sample();
  const std::string text = fragment_json(fragment);
  CHECK(text.starts_with("{\n  \"podman-multiarch-fragment\": 1,"));
  CHECK(text.find("\"reference\": \"quay.io/acme/app@sha256:") != std::string::npos);
  CHECK(text.find("\"durationSeconds\": 1.234") != std::string::npos);
  const auto read = parse_fragment(text, "f.json");
  REQUIRE_MESSAGE(read, (read ? "" : read.error().describe()));
  CHECK(*read == fragment);
}

TEST_CASE("fragment files: through a file, written whole")
{
  std::string dir = (std::filesystem::temp_directory_path() / "pma-fragment-file-XXXXXX").string();
  REQUIRE(::mkdtemp(dir.data()) != nullptr);
  const auto path = std::filesystem::path(dir) / "amd64.json";
  REQUIRE(write_fragment(path, sample()));
  CHECK(!std::filesystem::exists(path.string() + ".partial"));
  const auto read = read_fragment(path);
  REQUIRE(read);
  CHECK(*read == sample());
  CHECK(message_of(read_fragment(std::filesystem::path(dir) / "none.json")).starts_with("cannot read fragment"));
  CHECK(message_of(write_fragment(std::filesystem::path(dir) / "no" / "such.json", sample()))
            .starts_with("cannot write fragment"));
  std::filesystem::remove_all(dir);
}

TEST_CASE("fragment files: a file that is not a fragment is refused, naming it and the field")
{
  CHECK(message_of(parse_fragment("{", "a.json")).starts_with("a.json: not JSON"));
  CHECK(message_of(parse_fragment("[]", "a.json")).starts_with("a.json: not a podman-multiarch fragment"));
  CHECK(message_of(parse_fragment(R"({"targets": []})", "a.json")).starts_with("a.json: not a podman-multiarch"));
  CHECK(message_of(
            parse_fragment(edited("\"podman-multiarch-fragment\": 1", "\"podman-multiarch-fragment\": 2"), "a.json"))
            .starts_with("a.json: fragment format 2, this podman-multiarch reads format 1"));
  CHECK(message_of(parse_fragment(R"({"podman-multiarch-fragment": 1})", "a.json")) ==
        "a.json: targets: missing — a fragment is written by podman-multiarch build --fragment");
  CHECK(message_of(parse_fragment(edited("\"digest\": \"sha256:", "\"digest\": \"sha256:zz"), "a.json"))
            .starts_with("a.json: targets[0].images[0].digest: 'sha256:zz"));
  CHECK(message_of(parse_fragment(edited("\"reference\": \"quay.io/acme/app@sha256:",
                                         "\"reference\": \"quay.io/acme/app@sha256:0"),
                                  "a.json"))
            .find("targets[0].images[0].reference: ") != std::string::npos);
  CHECK(message_of(parse_fragment(edited("\"platform\": \"linux/s390x\"", "\"platform\": \"linux/riscv64\""), "a.json"))
            .starts_with("a.json: targets[0].images[1].platform: linux/riscv64 is not one of the target's platforms"));
  CHECK(message_of(parse_fragment(edited("\"quay.io/acme/app:latest\"",
                                         "\"quay.io/acme/app@sha256:" + std::string(64, 'a') + "\""),
                                  "a.json"))
            .find("targets[0].tags: ") != std::string::npos);
  CHECK(message_of(parse_fragment(edited("\"format\": \"docker\"", "\"format\": \"v2s2\""), "a.json"))
            .starts_with("a.json: targets[0].format: 'v2s2' is neither oci nor docker"));
  CHECK(message_of(parse_fragment(edited("\"durationSeconds\": 1.234", "\"durationSeconds\": \"1\""), "a.json"))
            .starts_with("a.json: targets[0].images[0].durationSeconds"));
  CHECK(message_of(parse_fragment(edited("\"name\": \"acme/app\"", "\"name\": 7"), "a.json"))
            .starts_with("a.json: targets[0].name: expected a string"));
}

TEST_CASE("fragment files: the runner is this machine, with its CI job and never a token")
{
  ::setenv("GITHUB_RUN_ID", "4242", 1);
  ::setenv("GITHUB_TOKEN", "ghs_secret", 1);
  ::setenv("CI_JOB_TOKEN", "glcbt-secret", 1);
  const auto runner = current_runner();
  ::unsetenv("GITHUB_RUN_ID");
  ::unsetenv("GITHUB_TOKEN");
  ::unsetenv("CI_JOB_TOKEN");
  CHECK(!runner.hostname.empty());
  CHECK(std::find(runner.ci.begin(), runner.ci.end(), std::pair<std::string, std::string>("GITHUB_RUN_ID", "4242")) !=
        runner.ci.end());
  for (const auto& [name, value] : runner.ci) {
    CHECK(name.find("TOKEN") == std::string::npos);
  }
  CHECK(utc_now().size() == 20);
}

TEST_SUITE_END();
