// Plain progress folded for CI services: each job's lines in one group,
// printed when it ends; failures and warnings as the service's annotations.
#include <pma/oci/platform.hpp>

#include <doctest/doctest.h>

#include <cstdio>
#include <string>

#include "../../src/output/ci_progress.hpp"

using namespace pma;

namespace {

// What `run` printed through a CI printer of `service`.
template <typename Run>
std::string
printed(const output::CiService service, Run run)
{
  std::FILE* file = std::tmpfile();
  REQUIRE(file != nullptr);
  {
    auto progress = output::make_ci_progress(service, file, false);
    run(*progress);
  }
  std::string out;
  std::rewind(file);
  for (int c = std::fgetc(file); c != EOF; c = std::fgetc(file)) {
    out += static_cast<char>(c);
  }
  std::fclose(file);
  return out;
}

void
interleaved(job::Progress& progress)
{
  const auto k_amd64 = oci::Platform::normalized("linux", "amd64", "");
  const auto k_s390x = oci::Platform::normalized("linux", "s390x", "");
  progress.phase("", k_amd64, "x86", job::Phase::build, "");
  progress.log("", k_s390x, "z", "STEP 1/2: FROM busybox");
  progress.log("", k_amd64, "x86", "STEP 1/2: FROM busybox");
  progress.info("assembling the list on host x86");
  progress.phase("", k_s390x, "z", job::Phase::failed, "step 2: exit status 1, 50% done");
  progress.phase("", k_amd64, "x86", job::Phase::done, "sha256:abc");
  progress.warning("partial publish: linux/s390x failed");
}

} // namespace

TEST_CASE("output: GitHub Actions groups each platform's lines, and annotates failures")
{
  const std::string out = printed(output::CiService::github, interleaved);
  CHECK(out == "podman-multiarch: assembling the list on host x86\n"
               "::group::[linux/s390x@z] failed: step 2: exit status 1, 50% done\n"
               "[linux/s390x@z] STEP 1/2: FROM busybox\n"
               "::endgroup::\n"
               "::error title=podman-multiarch%3A linux/s390x::step 2: exit status 1, 50%25 done\n"
               "::group::[linux/amd64@x86] done: sha256:abc\n"
               "[linux/amd64@x86] build\n"
               "[linux/amd64@x86] STEP 1/2: FROM busybox\n"
               "::endgroup::\n"
               "::warning title=podman-multiarch::partial publish: linux/s390x failed\n");
}

TEST_CASE("output: GitLab CI sections, a failure's open, and what an unfinished job printed")
{
  const std::string out = printed(output::CiService::gitlab, [](job::Progress& progress) {
    interleaved(progress);
    progress.log("app", oci::Platform::normalized("linux", "amd64", ""), "x86", "still building when Ctrl-C came");
  });
  CHECK(out.find("section_start:") != std::string::npos);
  CHECK(out.find(":podman_multiarch_1[collapsed=false]\r\x1b[0K[linux/s390x@z] failed") != std::string::npos);
  CHECK(out.find(":podman_multiarch_2[collapsed=true]\r\x1b[0K[linux/amd64@x86] done: sha256:abc\n") !=
        std::string::npos);
  CHECK(out.find("ERROR:\x1b[0m linux/s390x: step 2: exit status 1, 50% done\n") != std::string::npos);
  CHECK(out.find("podman-multiarch: warning: partial publish") != std::string::npos);
  CHECK(out.find("[app linux/amd64@x86] unfinished") != std::string::npos);
  CHECK(out.find("still building when Ctrl-C came") != std::string::npos);
}

TEST_CASE("output::github_escape")
{
  CHECK(output::github_escape("a%b\r\nc:d,e", false) == "a%25b%0D%0Ac:d,e");
  CHECK(output::github_escape("a:b,c", true) == "a%3Ab%2Cc");
}
