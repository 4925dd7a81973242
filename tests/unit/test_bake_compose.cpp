// Compose files as release files: services with a build section, in the
// forms the compose specification allows, interpolated as compose does.
#include <pma/bake/release_file.hpp>

#include <doctest/doctest.h>

#include <cstdlib>

#include "bake_files.hpp"

using namespace pma;
using pma::test::ReleaseDir;
using pma::test::target_names;
using pma::test::target_of;

TEST_SUITE_BEGIN("bake");

TEST_CASE("bake: a compose file: map and list forms, image: first, services without build: ignored")
{
  ::unsetenv("PMA_T_COMPOSE_TAG");
  ReleaseDir dir;
  dir.mkdir("backend");
  dir.mkdir("frontend");
  dir.mkdir("shared");
  dir.write("backend/Containerfile.prod", "FROM scratch\n");
  dir.write("db/password.txt", "secret\n");
  dir.write(".env", "# defaults of the project\nPMA_T_COMPOSE_TAG=1.4\nexport PMA_T_QUOTED=\"a b\"\n");
  dir.write("compose.yaml", R"(name: shop
x-common: &common
  platforms: [linux/amd64, linux/arm64]
services:
  backend:
    image: quay.io/acme/backend:${PMA_T_COMPOSE_TAG}
    build:
      <<: *common
      context: backend
      dockerfile: Containerfile.prod
      target: builder
      args:
        - GIT_COMMIT=cdc3b19
        - QUOTED=${PMA_T_QUOTED}
      labels:
        com.example.department: Finance
      tags: [quay.io/acme/backend:latest]
      secrets: [db-password]
      extra_hosts: ["somehost=162.242.195.82", "v6=[::1]"]
      shm_size: 2gb
      no_cache: true
      pull: true
    restart: always
    ports: ["8080:8080"]
    depends_on: [db]
  frontend:
    image: quay.io/acme/frontend:${PMA_T_COMPOSE_TAG-dev}
    platform: linux/amd64
    build:
      context: frontend
      additional_contexts:
        - backend=service:backend
        - shared=./shared
      args:
        API: "$${API_URL}"
      labels: ["com.example.tier=web"]
      cache_from:
        - type=registry,ref=quay.io/acme/cache
        - type=local,src=/tmp/cache
  db:
    image: mariadb:10.6.4-focal
    volumes: [db-data:/var/lib/mysql]
volumes:
  db-data: {}
secrets:
  db-password:
    file: db/password.txt
)");
  const auto loaded = dir.load({"compose.yaml"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(target_names(*loaded) == std::vector<std::string>{"backend", "frontend"});
  REQUIRE(loaded->groups.size() == 1);
  CHECK(loaded->groups[0].targets == std::vector<std::string>{"backend", "frontend"});

  const auto& backend = target_of(*loaded, "backend").options;
  CHECK(backend.context_dir == dir.root() / "backend");
  CHECK(backend.containerfile == (dir.root() / "backend/Containerfile.prod").string());
  CHECK(backend.target == "builder");
  REQUIRE(backend.tags.size() == 2);
  CHECK(backend.tags[0].to_string() == "quay.io/acme/backend:1.4");
  CHECK(backend.tags[1].to_string() == "quay.io/acme/backend:latest");
  CHECK(oci::to_strings(backend.platforms) == std::vector<std::string>{"linux/amd64", "linux/arm64/v8"});
  CHECK(backend.build_args == std::map<std::string, std::string>{{"GIT_COMMIT", "cdc3b19"}, {"QUOTED", "a b"}});
  CHECK(backend.labels == std::vector<std::string>{"com.example.department=Finance"});
  REQUIRE(backend.secrets.size() == 1);
  CHECK(backend.secrets[0].id == "db-password");
  CHECK(backend.secrets[0].file == dir.root() / "db/password.txt");
  CHECK(backend.no_cache);
  CHECK(backend.pull == "always");
  REQUIRE(backend.settings.size() == 2);
  CHECK(backend.settings[0] ==
        libpod::BuildSetting{libpod::BuildOption::add_host, {"somehost:162.242.195.82", "v6:::1"}});
  CHECK(backend.settings[1] == libpod::BuildSetting{libpod::BuildOption::shm_size, {"2147483648"}});

  const auto& frontend = target_of(*loaded, "frontend");
  CHECK(frontend.options.tags[0].to_string() == "quay.io/acme/frontend:1.4");
  CHECK(oci::to_strings(frontend.options.platforms) == std::vector<std::string>{"linux/amd64"});
  CHECK(frontend.target_contexts == std::vector<job::TargetContext>{{"backend", "backend"}});
  CHECK(frontend.options.local_contexts ==
        std::vector<job::LocalContext>{{"shared", dir.root() / "shared"}}); // the project's, as compose-go resolves it
  CHECK(frontend.options.build_args.at("API") == "${API_URL}");
  CHECK(frontend.options.labels == std::vector<std::string>{"com.example.tier=web"});
  REQUIRE(frontend.options.settings.size() == 1);
  CHECK(frontend.options.settings[0] == libpod::BuildSetting{libpod::BuildOption::cache_from, {"quay.io/acme/cache"}});
  REQUIRE(loaded->warnings.size() == 1);
  CHECK(dir.shown(loaded->warnings[0]) ==
        "DIR/compose.yaml:39:11: cache-from 'type=local,src=/tmp/cache': podman caches layers in a registry only: "
        "ignored");
}

TEST_CASE("bake: compose: build as a string, unset variables, ${VAR:?}, and the paths of a second file")
{
  ::unsetenv("PMA_T_UNSET");
  ReleaseDir dir;
  dir.mkdir("web");
  dir.mkdir("other/web");
  dir.write("compose.yaml", "services:\n  web:\n    image: quay.io/acme/web${PMA_T_UNSET}:1\n    build: web\n");
  dir.write("other/compose.override.yaml",
            "services:\n  web:\n    build:\n      context: web\n      args: {LEVEL: debug}\n");
  const auto loaded = dir.load({"compose.yaml", "other/compose.override.yaml"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  const auto& web = target_of(*loaded, "web").options;
  CHECK(web.tags[0].to_string() == "quay.io/acme/web:1");
  CHECK(web.context_dir == dir.root() / "web"); // compose: the first compose file's directory
  CHECK(web.build_args.at("LEVEL") == "debug");
  REQUIRE(loaded->warnings.size() == 1);
  CHECK(dir.shown(loaded->warnings[0]) ==
        "DIR/compose.yaml:3:12: variable PMA_T_UNSET is not set: an empty string is used");

  dir.write("inline.yaml", "services:\n  web:\n    image: quay.io/acme/web:1\n    build:\n      dockerfile_inline: "
                           "|\n        FROM scratch\n");
  const auto inline_file = dir.load({"inline.yaml"});
  REQUIRE_MESSAGE(inline_file, inline_file.error().message);
  CHECK(target_of(*inline_file, "web").options.containerfile == "-");
  CHECK(target_of(*inline_file, "web").options.containerfile_text == "FROM scratch\n");
  CHECK(target_of(*inline_file, "web").options.context_dir == dir.root());

  dir.write("required.yaml", "services:\n  web:\n    image: \"quay.io/acme/${PMA_T_UNSET:?name the image}\"\n    "
                             "build: web\n");
  CHECK(dir.error({"required.yaml"}) ==
        "DIR/required.yaml:3:12: required variable PMA_T_UNSET is not set: name the image");
}

TEST_CASE("bake: compose: typos are errors, keys that make no sense for a build are ignored")
{
  ReleaseDir dir;
  dir.mkdir("web");
  const auto error_of = [&](const std::string& text) {
    dir.write("compose.yaml", text);
    return dir.error({"compose.yaml"});
  };
  CHECK(error_of("services:\n  web:\n    biuld: web\n") ==
        "DIR/compose.yaml:3:5: unknown key 'biuld' in service web, did you mean 'build'?");
  CHECK(error_of("services:\n  web:\n    image: quay.io/acme/web:1\n    build:\n      dockerfle: x\n") ==
        "DIR/compose.yaml:5:7: unknown key 'dockerfle' in build, did you mean 'dockerfile'?");
  CHECK(error_of("services:\n  web:\n    image: quay.io/acme/web:1\n    build:\n      context: web\n      "
                 "secrets: [token]\n") ==
        "DIR/compose.yaml:6:17: secret token is not defined under the top-level secrets:");
  CHECK(error_of("services:\n  web:\n    image: quay.io/acme/web:1\n    platform: linux/s390x\n    build:\n      "
                 "context: web\n      platforms: [linux/amd64]\n") ==
        "DIR/compose.yaml:4:15: platform linux/s390x is not among build.platforms (compose refuses it too)");
  CHECK(error_of("include: [other.yaml]\nservices: {}\n") == "DIR/compose.yaml:1:1: include: is not read by bake");

  dir.write("compose.yaml", R"(services:
  web:
    image: quay.io/acme/web:1
    build:
      context: web
      ssh: [default]
      x-bake:
        platforms: [linux/arm64]
        output: type=docker
    command: ["serve"]
    healthcheck: {test: ["CMD", "true"]}
    x-note: anything
)");
  const auto loaded = dir.load({"compose.yaml"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  CHECK(oci::to_strings(target_of(*loaded, "web").options.platforms) == std::vector<std::string>{"linux/arm64/v8"});
  REQUIRE(loaded->warnings.size() == 2);
  CHECK(dir.shown(loaded->warnings[0]) ==
        "DIR/compose.yaml:6:7: build.ssh is not carried by podman's build endpoint: ignored");
  CHECK(dir.shown(loaded->warnings[1]) ==
        "DIR/compose.yaml:9:9: x-bake.output is not read by podman-multiarch: ignored");
}

TEST_CASE("bake: a compose file and a file of ours together: ours overrides the service's target")
{
  ReleaseDir dir;
  dir.mkdir("web");
  dir.write("compose.yaml", "services:\n  web:\n    image: quay.io/acme/web:1\n    build: web\n");
  dir.write("release.yaml", "targets:\n  web:\n    platforms: [linux/amd64, linux/s390x]\n    tags: "
                            "[quay.io/acme/web:2]\n");
  const auto loaded = dir.load({"compose.yaml", "release.yaml"});
  REQUIRE_MESSAGE(loaded, loaded.error().message);
  const auto& web = target_of(*loaded, "web").options;
  CHECK(web.context_dir == dir.root() / "web");
  CHECK(web.tags.size() == 1);
  CHECK(web.tags[0].to_string() == "quay.io/acme/web:2");
  CHECK(web.platforms.size() == 2);
}

TEST_SUITE_END();
