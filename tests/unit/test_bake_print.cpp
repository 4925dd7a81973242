// What bake prints: --print (a golden file), and the views of a release run
// on hand-made outcomes.
#include <pma/bake/release_file.hpp>
#include <pma/output/bake_view.hpp>
#include <pma/output/release_view.hpp>

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "bake_files.hpp"

using namespace pma;
using pma::test::ReleaseDir;

TEST_SUITE_BEGIN("bake");

namespace {

const char* const k_release = R"(variables:
  TAG: "1.4"
groups:
  default: [app]
targets:
  base:
    context: base
    platforms: [linux/amd64, linux/arm64]
    tags: ["quay.io/acme/base:${TAG}"]
  app:
    contexts: {base: "target:base", assets: assets, alpine: "docker-image://docker.io/library/alpine:3"}
    file: Containerfile
    platforms: [linux/amd64, linux/arm64]
    platform-args:
      linux/arm64: {args: {CFLAGS: "-O2"}, target: arm}
    tags: ["quay.io/acme/app:${TAG}", quay.io/acme/app:latest]
    args: {VERSION: "${TAG}"}
    labels: {org.opencontainers.image.version: "${TAG}"}
    annotations: ["index:org.opencontainers.image.description=App"]
    target: final
    required: false
    secrets: ["id=npm,src=npmrc"]
    network: host
    ulimit: {nofile: "1024:2048"}
    jobs: 2
)";

// The golden output: stable key order, two-space indent, DIR the directory.
const char* const k_golden = R"({
  "files": [
    "DIR/release.yaml"
  ],
  "group": {
    "default": {
      "targets": [
        "app"
      ]
    }
  },
  "target": {
    "base": {
      "context": "DIR/base",
      "containerfile": "",
      "platforms": [
        "linux/amd64",
        "linux/arm64"
      ],
      "tags": [
        "quay.io/acme/base:1.4"
      ],
      "args": {},
      "labels": [],
      "annotations": [],
      "target": "",
      "platformOverrides": {},
      "contexts": {},
      "dependsOn": [],
      "required": true,
      "noCache": false,
      "pull": "missing",
      "format": "oci",
      "layers": true,
      "squashAll": false,
      "rm": true,
      "forceRm": true,
      "jobs": null,
      "ignorefile": "",
      "secrets": [],
      "options": {}
    },
    "app": {
      "context": "DIR",
      "containerfile": "DIR/Containerfile",
      "platforms": [
        "linux/amd64",
        "linux/arm64"
      ],
      "tags": [
        "quay.io/acme/app:1.4",
        "quay.io/acme/app:latest"
      ],
      "args": {
        "VERSION": "1.4"
      },
      "labels": [
        "org.opencontainers.image.version=1.4"
      ],
      "annotations": [
        "index:org.opencontainers.image.description=App"
      ],
      "target": "final",
      "platformOverrides": {
        "linux/arm64": {
          "args": {
            "CFLAGS": "-O2"
          },
          "target": "arm",
          "containerfile": ""
        }
      },
      "contexts": {
        "alpine": "docker-image://docker.io/library/alpine:3",
        "assets": "DIR/assets",
        "base": "target:base"
      },
      "dependsOn": [
        "base"
      ],
      "required": false,
      "noCache": false,
      "pull": "missing",
      "format": "oci",
      "layers": true,
      "squashAll": false,
      "rm": true,
      "forceRm": true,
      "jobs": 2,
      "ignorefile": "",
      "secrets": [
        {
          "id": "npm",
          "file": "DIR/npmrc"
        }
      ],
      "options": {
        "network": [
          "host"
        ],
        "ulimit": [
          "nofile=1024:2048"
        ]
      }
    }
  }
}
)";

job::PlatformResult
platform_result(const std::string& platform, const std::string& host, const std::string& digest, const int ms,
                const job::Phase state)
{
  job::PlatformResult result;
  result.platform = *oci::Platform::parse(platform);
  result.host = host;
  result.reason = "native";
  result.digest = digest;
  result.duration = std::chrono::milliseconds(ms);
  result.state = state;
  return result;
}

// A release of two targets: base published, tools (optional) failed on arm64.
job::ReleaseOutcome
outcome()
{
  job::ReleaseOutcome out;
  job::TargetOutcome base{"base", true, {}};
  base.outcome.platforms = {
      platform_result("linux/amd64", "x86", "sha256:2c42b3d48560aaaaaaaa", 1400, job::Phase::done),
      platform_result("linux/arm64", "pi", "sha256:9e2791044b1dbbbbbbbb", 2100, job::Phase::done)};
  base.outcome.index_digest = "sha256:82844d889fb34b32045c08a5042d8cd0054371669eb6b51000f4682da4967800";
  base.outcome.media_type = "application/vnd.oci.image.index.v1+json";
  base.outcome.tags = {"quay.io/acme/base:1.4"};
  base.outcome.verified = true;
  job::TargetOutcome tools{"tools", false, {}};
  tools.outcome.platforms = {platform_result("linux/amd64", "x86", "", 300, job::Phase::skipped),
                             platform_result("linux/arm64", "pi", "", 900, job::Phase::failed)};
  tools.outcome.platforms[1].error = util::Error(util::ErrorClass::api, "RUN make: exit status 2");
  tools.outcome.exit_status = util::ExitStatus::nothing_published;
  out.targets = {base, tools};
  out.plan = {{"base", *oci::Platform::parse("linux/amd64"), "x86", "native", {}},
              {"base", *oci::Platform::parse("linux/arm64"), "pi", "native", {}},
              {"tools", *oci::Platform::parse("linux/amd64"), "x86", "native", {"base linux/amd64"}},
              {"tools", *oci::Platform::parse("linux/s390x"), "", "no host serves linux/s390x", {}}};
  out.exit_status = util::ExitStatus::partial;
  return out;
}

} // namespace

TEST_CASE("bake --print: the resolved release, golden")
{
  ReleaseDir dir;
  dir.write("release.yaml", k_release);
  dir.write("Containerfile", "FROM base\n");
  dir.write("npmrc", "token\n");
  dir.mkdir("base");
  dir.mkdir("assets");
  const auto loaded = dir.load({"release.yaml"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(dir.shown(output::release_json(*loaded)) == k_golden);
}

TEST_CASE("bake: the summary: one row per target and platform, then each target's list")
{
  CHECK(output::release_summary_table(outcome(), false) ==
        "TARGET  PLATFORM        HOST  DIGEST                DURATION  RESULT\n"
        "base    linux/amd64     x86   sha256:2c42b3d48560…  1.4s      ok\n"
        "base    linux/arm64/v8  pi    sha256:9e2791044b1d…  2.1s      ok\n"
        "tools   linux/amd64     x86   -                     0.3s      skipped\n"
        "tools   linux/arm64/v8  pi    -                     0.9s      failed\n"
        "\n"
        "TARGET  INDEX DIGEST                                                             TAGS\n"
        "base    sha256:82844d889fb34b32045c08a5042d8cd0054371669eb6b51000f4682da4967800  quay.io/acme/base:1.4\n"
        "tools   -                                                                        not published (required: "
        "false)\n");
}

TEST_CASE("bake --dry-run: every planned job in queue order, with what it waits for")
{
  CHECK(output::release_plan_table(outcome()) == "TARGET  PLATFORM        HOST  WHY                         AFTER\n"
                                                 "base    linux/amd64     x86   native                      -\n"
                                                 "base    linux/arm64/v8  pi    native                      -\n"
                                                 "tools   linux/amd64     x86   native                      base "
                                                 "linux/amd64\n"
                                                 "tools   linux/s390x     -     no host serves linux/s390x  -\n");
}

TEST_CASE("bake --metadata-file: the build's metadata per target, and the release's exit code")
{
  const auto json = nlohmann::json::parse(output::release_metadata_json(outcome()));
  CHECK(json["exitCode"] == 3);
  CHECK(json["targets"].size() == 2);
  const auto& base = json["targets"]["base"];
  CHECK(base["required"] == true);
  CHECK(base["indexDigest"] == "sha256:82844d889fb34b32045c08a5042d8cd0054371669eb6b51000f4682da4967800");
  CHECK(base["mediaType"] == "application/vnd.oci.image.index.v1+json");
  CHECK(base["tags"] == nlohmann::json::array({"quay.io/acme/base:1.4"}));
  CHECK(base["platforms"].size() == 2);
  CHECK(base["platforms"][1]["platform"] == "linux/arm64/v8");
  CHECK(base["platforms"][1]["host"] == "pi");
  CHECK(base["platforms"][1]["digest"] == "sha256:9e2791044b1dbbbbbbbb");
  CHECK(base["platforms"][1]["durationSeconds"] == 2.1);
  const auto& tools = json["targets"]["tools"];
  CHECK(tools["required"] == false);
  CHECK(tools["exitCode"] == 4);
  CHECK(tools["skipped"][1]["reason"] == "RUN make: exit status 2");
  CHECK(nlohmann::ordered_json::parse(output::release_metadata_json(outcome())).begin().key() == "targets");
}

TEST_SUITE_END();
