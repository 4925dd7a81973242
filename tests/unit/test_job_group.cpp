// Several platforms in one build request: which platform a line or an error
// names, and the shared result (src/job/group.hpp).
#include <doctest/doctest.h>

#include <atomic>
#include <thread>

#include "../../src/job/group.hpp"

using pma::job::detail::BuildGroup;
using pma::job::detail::error_platform;
using pma::job::detail::line_platform;
using pma::oci::Platform;

namespace {

std::vector<Platform>
platforms()
{
  return {*Platform::parse("linux/amd64"), *Platform::parse("linux/arm64/v8"), *Platform::parse("linux/s390x")};
}

} // namespace

TEST_SUITE("job")
{
  TEST_CASE("group: the platform a build line names, as podman prefixes it")
  {
    const auto all = platforms();
    auto named = line_platform("[linux/s390x] STEP 2/3: RUN make", all);
    REQUIRE(named);
    CHECK(named->first == 2);
    CHECK(named->second == "STEP 2/3: RUN make");
    named = line_platform("[linux/arm64] COMMIT", all); // podman leaves arm64's v8 out
    REQUIRE(named);
    CHECK(named->first == 1);
    CHECK(named->second == "COMMIT");

    CHECK_FALSE(line_platform("STEP 1/3: FROM x", all));
    CHECK_FALSE(line_platform("[linux/ppc64le] STEP 1/3: FROM x", all)); // not one of the request's
    CHECK_FALSE(line_platform("[Warning] one or more build args were not consumed: [X]", all));
    CHECK_FALSE(line_platform("[linux/amd64]STEP", all));
    CHECK_FALSE(line_platform("[", all));
  }

  TEST_CASE("group: the platform a failed build's error names (podman 5), none on podman 4")
  {
    const auto all = platforms();
    CHECK(error_platform("build failed: [linux/s390x]: building at STEP \"RUN x\": exit status 1", all) == 2);
    CHECK(error_platform("[linux/amd64]: building at STEP \"RUN [ -f x ]\"", all) == 0);
    CHECK(error_platform("build failed: RUN [a]: b [linux/arm64]: c", all) == 1); // the first that is a platform
    CHECK_FALSE(error_platform("build failed: building at STEP \"RUN x\": exit status 1", all));
    CHECK_FALSE(error_platform("build failed: [linux/ppc64le]: exit status 1", all));
    CHECK_FALSE(error_platform("build failed: [linux/amd64] no colon", all));
  }

  TEST_CASE("group: the first platform to ask builds for all, the others wait for its result")
  {
    BuildGroup group("h", platforms(), {});
    std::atomic<int> builds = 0;
    const auto build = [&] {
      ++builds;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::vector<BuildGroup::Share> shares(3);
      for (size_t i = 0; i < shares.size(); ++i) {
        shares[i].kind = BuildGroup::Share::Kind::built;
        shares[i].image = "id-" + std::to_string(i);
      }
      shares[2].kind = BuildGroup::Share::Kind::alone;
      shares[2].why = "its image was not found";
      return shares;
    };
    std::vector<BuildGroup::Share> got(3);
    std::vector<std::thread> threads;
    for (size_t i = 0; i < 3; ++i) {
      threads.emplace_back([&, i] { got[i] = group.take(platforms()[i], build); });
    }
    for (auto& thread : threads) {
      thread.join();
    }
    CHECK(builds == 1);
    REQUIRE(got[0].image);
    CHECK(*got[0].image == "id-0");
    REQUIRE(got[1].image);
    CHECK(*got[1].image == "id-1");
    CHECK(got[2].kind == BuildGroup::Share::Kind::alone);
    CHECK(got[2].why == "its image was not found");
    // A platform the group does not have gets nothing from it.
    CHECK(group.take(*Platform::parse("linux/ppc64le"), build).kind == BuildGroup::Share::Kind::alone);
    CHECK(builds == 1);
  }

  TEST_CASE("group: a build that gives fewer results leaves the rest to build alone")
  {
    BuildGroup group("h", platforms(), {});
    const auto share = group.take(platforms()[2], [] { return std::vector<BuildGroup::Share>(1); });
    CHECK(share.kind == BuildGroup::Share::Kind::alone);
  }
}
