#include <pma/app/inspect.hpp>
#include <pma/app/manifest.hpp>
#include <pma/util/fs.hpp>

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "fake_libpod.hpp"

using namespace pma;
using pma::test::FakeLibpod;

TEST_SUITE_BEGIN("app");

namespace {

app::ManifestHost
host_of(FakeLibpod& client)
{
  return {client, "x86", {}, {"zstd"}};
}

template <typename T>
std::string
message_of(const util::Result<T>& result)
{
  REQUIRE_FALSE(result);
  return result.error().message;
}

oci::Index
list_of(std::vector<std::string> digests)
{
  oci::Index index{.body = R"({"manifests":[]})", .is_list = true};
  for (auto& digest : digests) {
    index.manifests.push_back({.digest = std::move(digest)});
  }
  return index;
}

} // namespace

TEST_CASE("app::create_list: all or nothing")
{
  FakeLibpod client;
  auto host = host_of(client);
  SUBCASE("without images: the list only")
  {
    CHECK(*app::create_list(host, {.list = "localhost/l:1"}) == "sha256:created");
    CHECK(client.calls == std::vector<std::string>{"create localhost/l:1"});
  }
  SUBCASE("an image that cannot be added removes the list it created")
  {
    client.add_result = util::fail(util::ErrorClass::registry, "manifest unknown");
    CHECK(message_of(app::create_list(host, {.list = "localhost/l:1", .images = {"quay.io/a/b:1"}})) ==
          "manifest unknown");
    CHECK(client.calls ==
          std::vector<std::string>{"create localhost/l:1", "add localhost/l:1 quay.io/a/b:1", "delete localhost/l:1"});
  }
  SUBCASE("--amend keeps a list that existed; a bad annotation is refused after the create, as before")
  {
    client.exists = true;
    CHECK(
        message_of(app::create_list(
            host, {.list = "localhost/l:1", .images = {"quay.io/a/b:1"}, .amend = true, .annotations = {"novalue"}})) ==
        "no value given for annotation 'novalue'");
    CHECK(client.calls == std::vector<std::string>{"exists localhost/l:1", "create localhost/l:1 amend annotated"});
  }
}

TEST_CASE("app::add_to_list: entry fields and artifacts")
{
  FakeLibpod client;
  auto host = host_of(client);
  SUBCASE("each image with the entry's fields")
  {
    app::AddRequest add{.list = "l", .images = {"a:1", "b:1"}, .all = true, .tls_verify = false};
    add.entry.architecture = "arm64";
    add.entry.annotations = {"k=v"};
    CHECK(*app::add_to_list(host, add) == "sha256:list");
    REQUIRE(client.added.size() == 2);
    CHECK(client.added[1].image == "b:1");
    CHECK(client.added[1].platform.architecture == "arm64");
    CHECK(client.added[1].annotations == std::vector<std::string>{"k=v"});
    CHECK(client.added[1].all);
    CHECK(client.added[1].tls_verify == std::optional(false));
  }
  SUBCASE("artifact options need --artifact")
  {
    app::AddRequest add{.list = "l", .images = {"a:1"}};
    add.artifact.type = "";
    add.artifact.exclude_titles = true;
    CHECK(message_of(app::add_to_list(host, add)) == "--artifact-type/--artifact-exclude-titles require --artifact");
    add.artifact = {.subject = "quay.io/a/b:1"};
    CHECK(message_of(app::add_to_list(host, add)) == "--artifact-subject requires --artifact");
    CHECK(client.calls.empty());
  }
  SUBCASE("an artifact is one entry, annotated after it is added")
  {
    const auto file = std::filesystem::temp_directory_path() / "pma-test-artifact.txt";
    std::ofstream(file) << "data";
    app::AddRequest add{.list = "l", .images = {file.string()}};
    add.artifact.enabled = true;
    add.entry.os = "linux";
    client.inspections.emplace_back(std::optional(list_of({"sha256:aaa", "sha256:bbb"})));
    CHECK(*app::add_to_list(host, add) == "sha256:list");
    CHECK(client.calls == std::vector<std::string>{"add l ", "inspect l", "annotate l"});
    REQUIRE(client.added.front().artifact);
    CHECK(client.added.front().artifact->files.size() == 1);
    CHECK(client.annotated.front().digest == "sha256:bbb");
    CHECK(client.annotated.front().os == "linux");
    std::filesystem::remove(file);
  }
}

TEST_CASE("app::annotate_list: an entry's digest, or the list with --index")
{
  FakeLibpod client;
  auto host = host_of(client);
  const std::string digest = "sha256:" + std::string(64, 'a');
  CHECK(message_of(app::annotate_list(host, {.list = "l", .entry = digest, .index = true})) ==
        "did not expect an entry ('" + digest + "') with --index, which annotates the list");
  CHECK(message_of(app::annotate_list(host, {.list = "l", .entry = "latest"})) == "'latest' is not an entry digest");
  CHECK(client.calls.empty());
  CHECK(*app::annotate_list(host, {.list = "l", .entry = "quay.io/a/b@" + digest}) == "sha256:annotated");
  CHECK(client.annotated.back().digest == digest);
  CHECK(*app::annotate_list(host, {.list = "l", .index = true}) == "sha256:annotated");
  CHECK(client.annotated.back().index);
  CHECK(client.annotated.back().digest.empty());
}

TEST_CASE("app::push_list: no empty list by accident; digest file; --rm")
{
  FakeLibpod client;
  auto host = host_of(client);
  SUBCASE("an empty list is refused unless allowed")
  {
    client.inspections.emplace_back(std::optional(list_of({})));
    const auto refused = app::push_list(host, {.list = "l", .destination = "quay.io/a/b:1"});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().cls == util::ErrorClass::usage);
    CHECK(refused.error().message == "l has no images: pushing it would publish an empty list to quay.io/a/b:1");
    CHECK(client.pushed.empty());
  }
  SUBCASE("a bad --retry is refused after that check, before the push")
  {
    client.inspections.emplace_back(std::optional(list_of({"sha256:aaa"})));
    CHECK(message_of(app::push_list(host, {.list = "l", .retries = -1})) == "invalid --retry -1 (0 or more)");
    CHECK(client.calls == std::vector<std::string>{"inspect l"});
  }
  SUBCASE("pushed to its own name, the configured compression, the digest written, the list removed")
  {
    const auto file = std::filesystem::temp_directory_path() / "pma-test-digest";
    client.inspections.emplace_back(std::optional(list_of({"sha256:aaa"})));
    REQUIRE(app::push_list(host, {.list = "l",
                                  .format = "docker",
                                  .compression_format = "zstd",
                                  .digest_file = file.string(),
                                  .remove_after = true}));
    CHECK(client.calls == std::vector<std::string>{"inspect l", "push l l", "rm l"});
    CHECK(client.pushed.front().format == "docker");
    CHECK(client.pushed.front().add_compression == std::vector<std::string>{"zstd"});
    CHECK(client.pushed.front().force_compression == std::optional(true)); // podman's default with a format (4.7+)
    CHECK(*util::read_file(file) == "sha256:pushed");
    std::filesystem::remove(file);
  }
}

TEST_CASE("app::inspect_list refuses other transports before reading anything")
{
  FakeLibpod client;
  auto host = host_of(client);
  CHECK(message_of(app::inspect_list(host, "oci:/tmp/x", std::nullopt)) ==
        "manifest inspect reads local lists and registries, not oci: references");
  client.exists = true;
  client.inspections.emplace_back(std::optional(list_of({})));
  CHECK(*app::inspect_list(host, "localhost/l:1", std::nullopt) == R"({"manifests":[]})");
}

TEST_CASE("app::inspect_through: what a host's podman version can report")
{
  const auto ref = *oci::ImageRef::parse("quay.io/acme/app:1.4");
  const auth::CredentialStore credentials;
  SUBCASE("4.3: a temporary list reads the entries, which is removed again")
  {
    FakeLibpod client({4, 3, 1});
    auto index = list_of({"sha256:aaa"});
    index.manifests.front().platform = {"linux", "s390x", ""};
    client.inspections.emplace_back(std::optional(index));
    const auto inspection = app::inspect_through(client, "amd64", ref, credentials, true);
    REQUIRE(inspection);
    CHECK(inspection->source == "host amd64 (podman 4.3.1)");
    CHECK(inspection->rows.size() == 1);
    CHECK_FALSE(inspection->is_list.has_value());
    REQUIRE(client.calls.size() == 4);
    CHECK(client.calls[0].starts_with("create localhost/podman-multiarch-inspect-"));
    CHECK(client.calls[3].starts_with("delete localhost/podman-multiarch-inspect-"));
    CHECK(app::unknown_fields(*inspection) ==
          std::vector<std::string>{"digest", "media type", "annotations", "whether it is a list or a single image"});
  }
  SUBCASE("5.4: the list itself, with its media type and annotations")
  {
    FakeLibpod client({5, 4, 2});
    auto index = list_of({"sha256:aaa", "sha256:bbb"});
    index.media_type = "application/vnd.oci.image.index.v1+json";
    client.inspections.emplace_back(std::optional(index));
    const auto inspection = app::inspect_through(client, "p5", ref, credentials, true);
    REQUIRE(inspection);
    CHECK(inspection->is_list == std::optional(true));
    CHECK(inspection->media_type == std::optional(index.media_type));
    CHECK(inspection->rows.size() == 2);
    CHECK(app::unknown_fields(*inspection) == std::vector<std::string>{"digest"});
  }
  SUBCASE("no such image")
  {
    FakeLibpod client({5, 4, 2});
    CHECK(message_of(app::inspect_through(client, "p5", ref, credentials, true)) ==
          "quay.io/acme/app:1.4: no such image in the registry (as read by host p5)");
  }
}
