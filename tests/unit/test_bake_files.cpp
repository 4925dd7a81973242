// Release files of our format: reading, merging, variables, matrices,
// groups, --set, dependencies and the errors they give.
#include <pma/bake/release_file.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdlib>

#include "bake_files.hpp"

using namespace pma;
using pma::test::ReleaseDir;
using pma::test::target_names;
using pma::test::target_of;

TEST_SUITE_BEGIN("bake");

namespace {

// The example of podman-multiarch-bake.yaml(5), with what it needs on disk.
const char* const k_example = R"(variables:
  REGISTRY: quay.io/acme
  TAG: "1.4"
groups:
  default: [app, tools]
  all: [base, app, tools]
targets:
  base:
    context: base
    file: Containerfile
    platforms: [linux/amd64, linux/arm64]
    tags: ["${REGISTRY}/base:${TAG}"]
  app:
    context: .
    contexts: {base: "target:base"}
    args: {VERSION: "${TAG}"}
    labels: {org.opencontainers.image.source: "https://example.com/app"}
    annotations: ["org.opencontainers.image.description=The app"]
    platforms: [linux/amd64, linux/arm64]
    platform-args:
      linux/arm64: {args: {CFLAGS: "-O2"}, target: arm-stage, file: Containerfile.arm}
    target: final
    required: true
    no-cache: false
    pull: missing
    secrets: ["id=npm,src=./npmrc"]
    network: host
    tags: ["${REGISTRY}/app:${TAG}"]
  tools:
    matrix: {variant: [slim, full]}
    context: tools
    args: {VARIANT: "${variant}"}
    tags: ["${REGISTRY}/tools:${TAG}-${variant}"]
    required: false
)";

void
write_example(const ReleaseDir& dir)
{
  dir.write("podman-multiarch.bake.yaml", k_example);
  dir.write("base/Containerfile", "FROM scratch\n");
  dir.write("Containerfile.arm", "FROM base\n");
  dir.write("npmrc", "token\n");
  dir.mkdir("tools");
}

} // namespace

TEST_CASE("bake: the example release: dependency order, groups, matrix, every key")
{
  ::unsetenv("REGISTRY");
  ::unsetenv("TAG");
  ReleaseDir dir;
  write_example(dir);
  const auto loaded = dir.load({}); // the default file of the directory
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(target_names(*loaded) == std::vector<std::string>{"base", "app", "tools-slim", "tools-full"});
  REQUIRE(loaded->groups.size() == 2);
  CHECK(loaded->groups[0].name == "default");
  CHECK(loaded->groups[1].name == "tools");
  CHECK(loaded->groups[1].targets == std::vector<std::string>{"tools-slim", "tools-full"});

  const auto& base = target_of(*loaded, "base").options;
  CHECK(base.context_dir == dir.root() / "base");
  CHECK(base.containerfile == (dir.root() / "base/Containerfile").string());
  CHECK(oci::to_strings(base.platforms) == std::vector<std::string>{"linux/amd64", "linux/arm64/v8"});
  CHECK(base.platform_texts.at(base.platforms[1]) == "linux/arm64"); // sent as written
  REQUIRE(base.tags.size() == 1);
  CHECK(base.tags[0].to_string() == "quay.io/acme/base:1.4");

  const auto& app = target_of(*loaded, "app");
  CHECK(app.target_contexts == std::vector<job::TargetContext>{{"base", "base"}});
  CHECK(app.required);
  CHECK(app.options.context_dir == dir.root());
  CHECK(app.options.build_args == std::map<std::string, std::string>{{"VERSION", "1.4"}});
  CHECK(app.options.labels == std::vector<std::string>{"org.opencontainers.image.source=https://example.com/app"});
  CHECK(app.options.annotations == std::vector<std::string>{"org.opencontainers.image.description=The app"});
  CHECK(app.options.target == "final");
  CHECK_FALSE(app.options.no_cache);
  CHECK(app.options.pull == "missing");
  const auto& arm = app.options.overrides.at(app.options.platforms[1]);
  CHECK(arm.build_args == std::map<std::string, std::string>{{"CFLAGS", "-O2"}});
  CHECK(arm.target == "arm-stage");
  CHECK(arm.containerfile == (dir.root() / "Containerfile.arm").string());
  REQUIRE(app.options.secrets.size() == 1);
  CHECK(app.options.secrets[0].id == "npm");
  CHECK(app.options.secrets[0].file == dir.root() / "npmrc");
  REQUIRE(app.options.settings.size() == 1);
  CHECK(app.options.settings[0] == libpod::BuildSetting{libpod::BuildOption::network, {"host"}});

  const auto& slim = target_of(*loaded, "tools-slim");
  CHECK_FALSE(slim.required);
  CHECK(slim.options.context_dir == dir.root() / "tools");
  CHECK(slim.options.build_args.at("VARIANT") == "slim");
  CHECK(slim.options.tags[0].to_string() == "quay.io/acme/tools:1.4-slim");
  CHECK(target_of(*loaded, "tools-full").options.tags[0].to_string() == "quay.io/acme/tools:1.4-full");
}

TEST_CASE("bake: named targets and groups, nested groups, globs; unknown names get a suggestion")
{
  ReleaseDir dir;
  write_example(dir);
  const auto names = [&](const std::vector<std::string>& wanted) {
    const auto loaded = dir.load({"podman-multiarch.bake.yaml"}, wanted);
    REQUIRE_MESSAGE(loaded, loaded.error().message);
    return target_names(*loaded);
  };
  CHECK(names({"app"}) == std::vector<std::string>{"base", "app"}); // its dependency comes along
  CHECK(names({"tools"}) == std::vector<std::string>{"tools-slim", "tools-full"});
  CHECK(names({"tools-full", "base"}) == std::vector<std::string>{"tools-full", "base"});
  CHECK(names({"all"}) == std::vector<std::string>{"base", "app", "tools-slim", "tools-full"});
  CHECK(names({"tools-*"}) == std::vector<std::string>{"tools-slim", "tools-full"});
  CHECK(dir.error({"podman-multiarch.bake.yaml"}, {"tols"}) == "no target or group 'tols', did you mean 'tools'?");

  dir.write("nested.yaml", R"(groups:
  default: [release]
  release: [web, more]
  more: [cli]
targets:
  web: {tags: [quay.io/acme/web:1]}
  cli: {tags: [quay.io/acme/cli:1]}
)");
  const auto nested = dir.load({"nested.yaml"});
  REQUIRE_MESSAGE(nested, nested.error().message);
  CHECK(target_names(*nested) == std::vector<std::string>{"web", "cli"});

  dir.write("looping.yaml", R"(groups:
  default: [a]
  a: [b]
  b: [a]
targets:
  web: {}
)");
  CHECK(dir.error({"looping.yaml"}) == "DIR/looping.yaml:3:3: groups include each other: default → a → b → a");

  dir.write("nodefault.yaml", "targets:\n  web: {}\n  cli: {}\n");
  CHECK(dir.error({"nodefault.yaml"}) == "no target named, and no group default: name one of web, cli");
}

TEST_CASE("bake: variables: defaults, the environment, ${VAR:-default}, $$, undefined ones")
{
  ReleaseDir dir;
  dir.write("r.yaml", R"(variables:
  PMA_T_REGISTRY: quay.io/acme
  PMA_T_TAG: "1.4"
  PMA_T_FULL: "${PMA_T_REGISTRY}/app"
  PMA_T_EMPTY: ""
targets:
  app:
    tags: ["${PMA_T_FULL}:${PMA_T_TAG}"]
    args:
      PRICE: "$$5"
      MODE: "${PMA_T_EMPTY:-fast}"
      UNDECLARED: "${PMA_T_NOT_DECLARED:-fallback}"
      KEPT: "${PMA_T_TAG-x}"
)");
  ::unsetenv("PMA_T_REGISTRY");
  ::setenv("PMA_T_TAG", "2.0", 1);
  ::setenv("PMA_T_NOT_DECLARED", "from-env", 1); // undeclared: the environment is not read
  const auto loaded = dir.load({"r.yaml"}, {"app"});
  ::unsetenv("PMA_T_TAG");
  ::unsetenv("PMA_T_NOT_DECLARED");
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  const auto& app = target_of(*loaded, "app").options;
  CHECK(app.tags[0].to_string() == "quay.io/acme/app:2.0");
  CHECK(app.build_args == std::map<std::string, std::string>{
                              {"KEPT", "2.0"}, {"MODE", "fast"}, {"PRICE", "$5"}, {"UNDECLARED", "fallback"}});

  dir.write("undefined.yaml", R"(variables:
  REGISTRY: quay.io/acme
targets:
  app:
    tags: ["${REGISTY}/app:1"]
)");
  CHECK(dir.error({"undefined.yaml"}, {"app"}) ==
        "DIR/undefined.yaml:5:12: undefined variable 'REGISTY', did you mean 'REGISTRY'?");
  dir.write("cycle.yaml", "variables:\n  A: \"${B}\"\n  B: \"${A}\"\ntargets:\n  app:\n    tags: [\"${A}\"]\n");
  CHECK(dir.error({"cycle.yaml"}, {"app"}) ==
        "DIR/cycle.yaml:2:6: variables refer to each other in a cycle: A → B → A");
  dir.write("required.yaml", "targets:\n  app:\n    tags: [\"${PMA_T_UNSET:?give a registry}/app\"]\n");
  CHECK(dir.error({"required.yaml"}, {"app"}) ==
        "DIR/required.yaml:3:12: required variable PMA_T_UNSET is not set: give a registry");
}

TEST_CASE("bake: a matrix: every combination, named in the matrix's key order, values sanitised")
{
  ReleaseDir dir;
  dir.write("r.yaml", R"(targets:
  app:
    matrix:
      distro: [alpine, debian]
      version: ["1.0", "2.0"]
    args: {BASE: "${distro}:${version}"}
    tags: ["quay.io/acme/app:${version}-${distro}"]
)");
  const auto loaded = dir.load({"r.yaml"}, {"app"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(target_names(*loaded) ==
        std::vector<std::string>{"app-alpine-1_0", "app-alpine-2_0", "app-debian-1_0", "app-debian-2_0"});
  CHECK(target_of(*loaded, "app-debian-2_0").options.build_args.at("BASE") == "debian:2.0");
  CHECK(target_of(*loaded, "app-debian-2_0").options.tags[0].to_string() == "quay.io/acme/app:2.0-debian");

  dir.write("clash.yaml", R"(targets:
  app:
    matrix: {v: [x]}
    tags: [quay.io/acme/app:1]
  app-x:
    tags: [quay.io/acme/app:2]
)");
  CHECK(dir.error({"clash.yaml"}, {"app"}) ==
        "DIR/clash.yaml:3:5: the matrix makes target app-x, which DIR/clash.yaml:5:3 defines already");
}

TEST_CASE("bake: -f: a later file overrides an earlier one key by key, as buildx bake merges")
{
  ReleaseDir dir;
  dir.mkdir("v2");
  dir.write("first.yaml", R"(targets:
  app:
    tags: [quay.io/acme/app:1]
    platforms: [linux/amd64, linux/arm64]
    args: {A: "1", B: "1"}
    labels: {one: "1", two: "2"}
    annotations: [first=1]
    cache-from: [quay.io/acme/cache]
    network: host
)");
  dir.write("second.yaml", R"(variables:
  V: "2"
targets:
  app:
    context: v2
    tags: ["quay.io/acme/app:${V}"]
    args: {B: "${V}", C: "2"}
    labels: {one: "uno"}
    annotations: [second=2]
    cache-from: [quay.io/acme/cache2]
    network: none
  extra:
    tags: [quay.io/acme/extra:1]
)");
  const auto loaded = dir.load({"first.yaml", "second.yaml"}, {"app"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  const auto& app = target_of(*loaded, "app").options;
  CHECK(app.context_dir == dir.root() / "v2"); // relative to the file that says so
  CHECK(app.tags[0].to_string() == "quay.io/acme/app:2");
  CHECK(oci::to_strings(app.platforms) == std::vector<std::string>{"linux/amd64", "linux/arm64/v8"});
  CHECK(app.build_args == std::map<std::string, std::string>{{"A", "1"}, {"B", "2"}, {"C", "2"}});
  CHECK(app.labels == std::vector<std::string>{"one=uno", "two=2"});
  CHECK(app.annotations == std::vector<std::string>{"first=1", "second=2"});
  REQUIRE(app.settings.size() == 2);
  CHECK(app.settings[0].values ==
        std::vector<std::string>{"quay.io/acme/cache", "quay.io/acme/cache2"}); // cache-from adds up
  CHECK(app.settings[1].values == std::vector<std::string>{"none"});            // network is replaced
  CHECK(loaded->files.size() == 2);
}

TEST_CASE("bake: --set after the files: one target, a group, *, args.NAME, lists, +=")
{
  ReleaseDir dir;
  write_example(dir);
  const auto loaded = dir.load({"podman-multiarch.bake.yaml"}, {"all"},
                               {"*.args.BUILD=42", "app.tags=quay.io/acme/app:rc", "app.tags=quay.io/acme/app:next",
                                "base.platform=linux/amd64, linux/arm64,linux/s390x", "tools.labels.variant=yes",
                                "base.tags+=quay.io/acme/base:latest", "app.no-cache=true", "app.network=none",
                                "app.contexts.extra=docker-image://alpine"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  for (const auto& target : loaded->release.targets) {
    CHECK(target.options.build_args.at("BUILD") == "42");
  }
  const auto& app = target_of(*loaded, "app").options;
  REQUIRE(app.tags.size() == 2);
  CHECK(app.tags[0].to_string() == "quay.io/acme/app:rc");
  CHECK(app.tags[1].to_string() == "quay.io/acme/app:next");
  CHECK(app.no_cache);
  CHECK(std::find(app.settings.begin(), app.settings.end(),
                  libpod::BuildSetting{libpod::BuildOption::build_context, {"extra=image:alpine"}}) !=
        app.settings.end());
  CHECK(std::find(app.settings.begin(), app.settings.end(),
                  libpod::BuildSetting{libpod::BuildOption::network, {"none"}}) != app.settings.end());
  const auto& base = target_of(*loaded, "base").options;
  CHECK(oci::to_strings(base.platforms) == std::vector<std::string>{"linux/amd64", "linux/arm64/v8", "linux/s390x"});
  CHECK(base.tags.size() == 2);
  CHECK(target_of(*loaded, "tools-full").options.labels == std::vector<std::string>{"variant=yes"});

  CHECK(dir.error({"podman-multiarch.bake.yaml"}, {}, {"app.platfrom=linux/amd64"}) ==
        "--set 'app.platfrom=linux/amd64': unknown key 'platfrom', did you mean 'platforms'?");
  CHECK(dir.error({"podman-multiarch.bake.yaml"}, {}, {"tool.tags=x"}) ==
        "--set 'tool.tags=x': no target or group 'tool', did you mean 'tools'?");
  CHECK(dir.error({"podman-multiarch.bake.yaml"}, {}, {"app.args=x"}) ==
        "--set 'app.args=x': expected args.NAME=VALUE");
  CHECK(dir.error({"podman-multiarch.bake.yaml"}, {}, {"app.jobs=-1"}) ==
        "--set 'app.jobs=-1': jobs '-1': a number, 0 or more");
}

TEST_CASE("bake: contexts: target:NAME is a dependency; cycles and uncovered platforms are refused")
{
  ReleaseDir dir;
  dir.mkdir("dir");
  dir.write("r.yaml", R"(targets:
  a:
    contexts: {b: "target:b", files: dir, alpine: "docker-image://docker.io/library/alpine:3"}
    tags: [quay.io/acme/a:1]
  b:
    contexts: {c: "target:c"}
    tags: [quay.io/acme/b:1]
  c:
    tags: [quay.io/acme/c:1]
)");
  const auto loaded = dir.load({"r.yaml"}, {"a"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(target_names(*loaded) == std::vector<std::string>{"c", "b", "a"});
  const auto& a = target_of(*loaded, "a");
  CHECK(a.options.local_contexts == std::vector<job::LocalContext>{{"files", dir.root() / "dir"}});
  CHECK(a.options.settings[0].values == std::vector<std::string>{"alpine=image:docker.io/library/alpine:3"});

  dir.write("cycle.yaml", R"(targets:
  a: {contexts: {b: "target:b"}, tags: [quay.io/acme/a:1]}
  b: {contexts: {a: "target:a"}, tags: [quay.io/acme/b:1]}
)");
  CHECK(dir.error({"cycle.yaml"}, {"a"}) == "DIR/cycle.yaml:3:21: targets build FROM each other in a cycle: a → b → a");
  dir.write("missing.yaml", "targets:\n  a: {contexts: {b: \"target:bse\"}, tags: [quay.io/acme/a:1]}\n  base: {}\n");
  CHECK(dir.error({"missing.yaml"}, {"a"}) ==
        "DIR/missing.yaml:2:21: contexts: b: no target 'bse' in this release, did you mean 'base'?");
  dir.write("platforms.yaml", R"(targets:
  app:
    contexts: {base: "target:base"}
    platforms: [linux/amd64, linux/s390x]
    tags: [quay.io/acme/app:1]
  base:
    platforms: [linux/amd64, linux/arm64]
    tags: [quay.io/acme/base:1]
)");
  CHECK(dir.error({"platforms.yaml"}, {"app"}) ==
        "DIR/platforms.yaml:3:22: app builds FROM base for linux/s390x, which base does not build (it builds "
        "linux/amd64, linux/arm64/v8)");
}

TEST_CASE("bake: every problem names FILE:LINE:COL; unknown keys get a suggestion")
{
  ReleaseDir dir;
  const auto error_of = [&](const std::string& text) {
    dir.write("r.yaml", text);
    return dir.error({"r.yaml"}, {"app"});
  };
  CHECK(error_of("targets:\n  app:\n    platfroms: [linux/amd64]\n") ==
        "DIR/r.yaml:3:5: unknown key 'platfroms' in target app, did you mean 'platforms'?");
  CHECK(error_of("targets:\n  app:\n    dockerfile: Containerfile\n") ==
        "DIR/r.yaml:3:5: unknown key 'dockerfile' in target app, did you mean 'file'?");
  CHECK(error_of("targets:\n  app:\n    cache_from: [x]\n") ==
        "DIR/r.yaml:3:5: unknown key 'cache_from' in target app, did you mean 'cache-from'?");
  CHECK(error_of("target:\n  app: {}\n") ==
        "DIR/r.yaml:1:1: unknown key 'target' in the release file, did you mean 'targets'?");
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    shm-size: lots\n") ==
        "DIR/r.yaml:4:15: --shm-size 'lots': not a size (e.g. 512m, 2g)");
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    required: maybe\n") ==
        "DIR/r.yaml:4:15: required must be true or false, not 'maybe'");
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    file: Nope\n") ==
        "DIR/r.yaml:4:11: file: stat DIR/Nope: no such file or directory");
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    context: nowhere\n") ==
        "DIR/r.yaml:4:14: context DIR/nowhere: not a directory");
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    platforms: [linux/amd64, linux/mips99]\n")
            .starts_with("DIR/r.yaml:4:30: "));
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    platforms: [linux/amd64]\n    platform-args:\n"
                 "      linux/arm64: {target: arm}\n") ==
        "DIR/r.yaml:6:7: platform-args names linux/arm64/v8, which app does not build");
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    platform-args:\n      linux/arm64: {stage: "
                 "arm}\n") == "DIR/r.yaml:5:21: unknown key 'stage' in platform-args linux/arm64");
  CHECK(error_of("targets:\n  app:\n    platforms: [linux/amd64]\n") ==
        "DIR/r.yaml:2:3: target app has no tags: where would its list go?");
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1\n").starts_with("DIR/r.yaml:4:1: "));
  CHECK(error_of("targets:\n  my.app: {}\n") ==
        "DIR/r.yaml:2:3: invalid target name 'my.app' (letters, digits, '_' and '-')");
  CHECK(error_of("targets:\n  app:\n    tags: [quay.io/acme/app:1]\n    dns: [1.1.1.1]\n    network: none\n") ==
        "DIR/r.yaml:2:3: --dns cannot be used with --network none");
  CHECK(dir.error({"absent.yaml"}) == "release file DIR/absent.yaml: no such file");
  ReleaseDir empty;
  CHECK(empty.error({}).starts_with("no release file here (looked for podman-multiarch.bake.yaml, compose.yaml"));
}

TEST_CASE("bake: x- keys hold YAML anchors; file-inline is the Containerfile's text")
{
  ReleaseDir dir;
  dir.write("r.yaml", R"(x-common: &common
  platforms: [linux/amd64, linux/s390x]
  labels: {team: build}
targets:
  app:
    <<: *common
    file-inline: |
      FROM scratch
    labels: {team: app}
    tags: [quay.io/acme/app:1]
    x-note: ignored
)");
  const auto loaded = dir.load({"r.yaml"}, {"app"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  const auto& app = target_of(*loaded, "app").options;
  CHECK(app.platforms.size() == 2);
  CHECK(app.labels == std::vector<std::string>{"team=app"}); // the target's own key wins over the merged one
  CHECK(app.containerfile == "-");
  CHECK(app.containerfile_text == "FROM scratch\n");
}

TEST_CASE("bake: --no-push needs no tags; run-wide --no-cache and --pull apply to every target")
{
  ReleaseDir dir;
  dir.write("r.yaml", "targets:\n  app:\n    pull: never\n  web: {}\ngroups:\n  default: [app, web]\n");
  bake::LoadRequest request;
  request.files = {(dir.root() / "r.yaml").string()};
  request.base.no_push = true;
  request.no_cache = true;
  request.pull = "always";
  const auto loaded = bake::load_release(request);
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  for (const auto& target : loaded->release.targets) {
    CHECK(target.options.no_push);
    CHECK(target.options.no_cache);
    CHECK(target.options.pull == "always");
    CHECK(target.options.context_dir == dir.root());
  }
  CHECK(loaded->release.options.no_push);
}

TEST_SUITE_END();
